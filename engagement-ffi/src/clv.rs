//! Probabilistic customer lifetime value: fit a model from per-customer
//! columns, predict into caller buffers, move models as JSON.
//!
//! Models travel as the core's `ModelWithUnit` JSON
//! (`{"model":"bg_nbd","r":…,"alpha":…,"a":…,"b":…,"unit":"day"}`, the unit
//! absent when unknown), so a model fitted in Python or Rust loads here and
//! predicts the same numbers. Every `model_json` argument also takes a whole
//! fit result as `eng_clv_fit_json` returns it (its `model` is read).

use std::ffi::c_char;
use std::ptr::null;

use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::{
    ClvColumns, ClvModel, ClvModelKind, DiscountOptions, MatrixValue, ModelWithUnit, simulate,
};

use crate::boundary::{Failure, boundary};
use crate::handle::{slice, text};
use crate::status::eng_status;

/// A column that may be absent: NULL means "not given".
///
/// # Safety
/// As [`slice`].
unsafe fn maybe<'a>(ptr: *const f64, len: usize, name: &str) -> Result<Option<&'a [f64]>, Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded from the caller.
        Ok(Some(unsafe { slice(ptr, len, name)? }))
    }
}

/// Parses the model JSON.
///
/// # Safety
/// `ptr` NULL or `len` readable bytes.
unsafe fn model(ptr: *const c_char, len: usize) -> Result<ModelWithUnit, Failure> {
    // SAFETY: forwarded from the caller.
    let text = unsafe { crate::handle::text(ptr, len, "model_json")? };
    Ok(ModelWithUnit::from_json(text)?)
}

/// The purchase histories a purchase model reads: `frequency`, `recency` and
/// `t` required, `weights` optional (NULL: every row one customer).
///
/// # Safety
/// Each pointer NULL or `len` readable doubles.
unsafe fn histories<'a>(
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    weights: *const f64,
    len: usize,
) -> Result<ClvColumns<'a>, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        Ok(ClvColumns {
            frequency: slice(frequency, len, "frequency")?,
            recency: Some(slice(recency, len, "recency")?),
            t: Some(slice(t, len, "t")?),
            weights: maybe(weights, len, "weights")?,
            ..Default::default()
        })
    }
}

/// P(alive) of `len` histories into `out` (the JSON and handle calls share it).
///
/// # Safety
/// As `eng_clv_p_alive`.
pub(crate) unsafe fn p_alive(
    m: &ModelWithUnit,
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    len: usize,
    out: *mut f64,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        let columns = histories(frequency, recency, t, null(), len)?;
        put(out, &m.p_alive(&columns)?)
    }
}

/// Expected purchases over `horizon` of `len` histories into `out`.
///
/// # Safety
/// As `eng_clv_conditional_expected_purchases`.
pub(crate) unsafe fn expected_purchases(
    m: &ModelWithUnit,
    horizon: f64,
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    len: usize,
    out: *mut f64,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        let columns = histories(frequency, recency, t, null(), len)?;
        put(out, &m.conditional_expected_purchases(horizon, &columns)?)
    }
}

/// Expected spend per purchase of `len` customers into `out`.
///
/// # Safety
/// As `eng_clv_expected_spend`.
pub(crate) unsafe fn expected_spend(
    m: &ModelWithUnit,
    frequency: *const f64,
    monetary_value: *const f64,
    len: usize,
    out: *mut f64,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        let columns = ClvColumns {
            frequency: slice(frequency, len, "frequency")?,
            monetary_value: Some(slice(monetary_value, len, "monetary_value")?),
            ..Default::default()
        };
        put(out, &m.expected_spend(&columns)?)
    }
}

/// Histories and spend as C passes them: frequency, recency, t, spend, length.
pub(crate) type RawHistories = (*const f64, *const f64, *const f64, *const f64, usize);

/// Discounted value of `len` customers into `out`.
///
/// # Safety
/// As `eng_clv_discounted_value`.
pub(crate) unsafe fn discounted_value(
    m: &ModelWithUnit,
    (frequency, recency, t, spend, len): RawHistories,
    (options_json, options_len): (*const c_char, usize),
    out: *mut f64,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        let options: DiscountOptions =
            crate::json::config(options_json, options_len, "options_json")?;
        let columns = histories(frequency, recency, t, null(), len)?;
        put(
            out,
            &m.discounted_value(&columns, slice(spend, len, "spend")?, &options)?,
        )
    }
}

/// Fits a model from C columns (shared by `eng_clv_fit_json` and `eng_clv_model_fit`).
///
/// # Safety
/// As `eng_clv_fit_json`.
pub(crate) unsafe fn fit(
    (model, model_len): (*const c_char, usize),
    (frequency, recency, t, monetary_value, weights, len): (
        *const f64,
        *const f64,
        *const f64,
        *const f64,
        *const f64,
        usize,
    ),
    (options_json, options_len): (*const c_char, usize),
) -> Result<engagement_core::clv::ClvFit, Failure> {
    // SAFETY: forwarded from the caller.
    unsafe {
        let kind: ClvModelKind = text(model, model_len, "model")?.parse()?;
        let options: FitOptions = crate::json::config(options_json, options_len, "options_json")?;
        let columns = ClvColumns {
            frequency: slice(frequency, len, "frequency")?,
            recency: maybe(recency, len, "recency")?,
            t: maybe(t, len, "t")?,
            monetary_value: maybe(monetary_value, len, "monetary_value")?,
            weights: maybe(weights, len, "weights")?,
        };
        Ok(ClvModel::fit(kind, &columns, &options)?)
    }
}

/// Writes `values` to the caller's `out` (room for `values.len()`).
///
/// # Safety
/// `out` NULL or valid for `values.len()` writes.
unsafe fn put(out: *mut f64, values: &[f64]) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    unsafe { crate::handle::put(out, values, "out") }
}

/// Writes `values` to the caller's `out` of `out_len` slots, which must be
/// exactly `values.len()` (the caller sized it from the documented shape).
///
/// # Safety
/// `out` NULL or valid for `out_len` writes.
unsafe fn put_exact(out: *mut f64, out_len: usize, values: &[f64]) -> Result<(), Failure> {
    if values.len() != out_len {
        return Err(engagement_core::EngError::LengthMismatch {
            field: "out".into(),
            expected: values.len(),
            found: out_len,
        }
        .into());
    }
    // SAFETY: forwarded from the caller; the length is checked above.
    unsafe { put(out, values) }
}

/// Fits a model by maximum likelihood and returns the fit as JSON
/// (`{"model": {…model JSON…}, "log_likelihood", "iterations", "customers"}`),
/// owned by the caller (release with `eng_string_free`).
///
/// `model` is `bg_nbd`, `mbg_nbd`, `pareto_nbd`, `bg_bb` or `gamma_gamma`
/// (pointer + length). The purchase models read `frequency`, `recency`, `t`
/// (repeat purchases, time of the last since the first, age; one time unit
/// throughout; BG/BB: whole opportunities); Gamma-Gamma reads `frequency`
/// (≥ 1) and `monetary_value` (mean repeat spend). Columns a model does not
/// read may be NULL. `weights` (NULL: all 1) counts row `i` as `weights[i]`
/// customers, for pre-aggregated histories (not for Gamma-Gamma). `options_json`:
/// `FitOptions` (`max_iterations`, `tolerance`, `penalty`, `initial`, `unit`;
/// NULL or empty: defaults). `unit` is the time unit of `recency` and `t`
/// (`"day"` for a default `eng_transaction_summary`, else its config's
/// `unit`); the fitted model records it (`"unit"` in its JSON) so that
/// calendar horizons convert; without it the unit is unknown.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_UNKNOWN_LABEL`, `ENG_STATUS_CONFIG`
/// (a needed column is NULL, bad options), `ENG_STATUS_INVALID_INPUT`,
/// `ENG_STATUS_EMPTY_INPUT`, `ENG_STATUS_CONVERGENCE`, `ENG_STATUS_JSON`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `model` NULL or `model_len` bytes; each column NULL or `len` doubles;
/// `options_json` NULL or `options_len` bytes; `out_json` valid for one
/// write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_fit_json(
    model: *const c_char,
    model_len: usize,
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    monetary_value: *const f64,
    weights: *const f64,
    len: usize,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let fit = fit(
                (model, model_len),
                (frequency, recency, t, monetary_value, weights, len),
                (options_json, options_len),
            )?;
            crate::json::write(&fit, out_json, out_len)
        }
    })
}

/// P(alive) at `T` of `len` customers into `out` (room for `len`), for a
/// purchase model (`bg_nbd`, `mbg_nbd`, `pareto_nbd`, `bg_bb`) given as JSON:
/// the model's JSON, or a fit's JSON as `eng_clv_fit_json` returns it (so
/// are all `model_json` arguments). BG/BB gives P(alive at the next
/// opportunity, `n + 1`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (not a
/// purchase model, bad parameters), `ENG_STATUS_INVALID_INPUT` (a bad
/// history; the message names the row), `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; each column `len` doubles; `out`
/// valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_p_alive(
    model_json: *const c_char,
    model_len: usize,
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            p_alive(
                &model(model_json, model_len)?,
                frequency,
                recency,
                t,
                len,
                out,
            )
        }
    })
}

/// Expected purchases of `len` customers in the next `horizon` time units
/// into `out` (room for `len`), for a purchase model given as JSON.
///
/// Returns as `eng_clv_p_alive`, plus `ENG_STATUS_INVALID_INPUT` for a
/// negative or non-finite `horizon`. Thread-safe.
///
/// # Safety
/// As `eng_clv_p_alive`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_conditional_expected_purchases(
    model_json: *const c_char,
    model_len: usize,
    horizon: f64,
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            expected_purchases(&m, horizon, frequency, recency, t, len, out)
        }
    })
}

/// Expected purchases of a new customer in `(0, t[i]]` for each of `len`
/// times into `out` (room for `len`), for a purchase model given as JSON.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`,
/// `ENG_STATUS_INVALID_INPUT`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; `t` `len` doubles; `out` valid
/// for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_expected_purchases_new(
    model_json: *const c_char,
    model_len: usize,
    t: *const f64,
    len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            put(out, &m.expected_purchases_new(slice(t, len, "t")?)?)
        }
    })
}

/// Expected mean transaction value of `len` customers (repeat purchases
/// `frequency`, mean repeat spend `monetary_value`) into `out` (room for
/// `len`), for a `gamma_gamma` model given as JSON.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (not
/// Gamma-Gamma, or no finite mean), `ENG_STATUS_INVALID_INPUT`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; each column `len` doubles; `out`
/// valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_expected_spend(
    model_json: *const c_char,
    model_len: usize,
    frequency: *const f64,
    monetary_value: *const f64,
    len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            expected_spend(&m, frequency, monetary_value, len, out)
        }
    })
}

/// Fits the shifted-beta-geometric retention model to a cohort's survivor
/// counts (`alive[0]` at the start, `alive[t]` still subscribed after period
/// `t`; `len >= 2`, never increasing) and returns the fit as JSON, like
/// `eng_clv_fit_json` (model `sbg`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT`, `ENG_STATUS_EMPTY_INPUT`,
/// `ENG_STATUS_CONFIG`, `ENG_STATUS_CONVERGENCE`, `ENG_STATUS_JSON`,
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `alive` NULL or `len` doubles; `options_json` NULL or `options_len` bytes;
/// `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_fit_retention_json(
    alive: *const f64,
    len: usize,
    options_json: *const c_char,
    options_len: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let options: FitOptions =
                crate::json::config(options_json, options_len, "options_json")?;
            let fit = ClvModel::fit_retention(slice(alive, len, "alive")?, &options)?;
            crate::json::write(&fit, out_json, out_len)
        }
    })
}

/// Share of a cohort still subscribed after each of `len` periods `t` into
/// `out` (room for `len`), for an `sbg` model given as JSON.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (not sbg),
/// `ENG_STATUS_INVALID_INPUT`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; `t` `len` doubles; `out` valid for
/// `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_survival(
    model_json: *const c_char,
    model_len: usize,
    t: *const f64,
    len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            put(out, &m.survival(slice(t, len, "t")?)?)
        }
    })
}

/// Retention rate of each of `len` periods `t >= 1` into `out` (room for
/// `len`), for an `sbg` model given as JSON.
///
/// Returns as `eng_clv_survival`. Thread-safe.
///
/// # Safety
/// As `eng_clv_survival`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_retention_rate(
    model_json: *const c_char,
    model_len: usize,
    t: *const f64,
    len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            put(out, &m.retention_rate(slice(t, len, "t")?)?)
        }
    })
}

/// P(a new customer makes exactly `x[i]` purchases in `(0, t[i]]`) for each of
/// `len` pairs into `out` (room for `len`), for a purchase model given as
/// JSON (BG/BB: at the first `t[i]` opportunities).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (not a
/// purchase model), `ENG_STATUS_INVALID_INPUT` (negative `t`, `x` not a whole
/// number; the message names the row), `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; `t` and `x` `len` doubles; `out`
/// valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_probability_of_purchases(
    model_json: *const c_char,
    model_len: usize,
    t: *const f64,
    x: *const f64,
    len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            put(
                out,
                &m.probability_of_purchases(slice(t, len, "t")?, slice(x, len, "x")?)?,
            )
        }
    })
}

/// Discounted value of `len` customers' expected purchases over a horizon
/// into `out` (room for `len`): `Σ_k spend · (E[Y(kL)] − E[Y((k−1)L)]) / (1+d)^k`
/// with `L` the horizon over `periods`.
/// `spend` is the value of one purchase per customer (for example
/// `eng_clv_expected_spend` of a Gamma-Gamma model). `options_json`:
/// `DiscountOptions` (`horizon` 12 months, `periods` 12, `discount_rate`
/// 0.01 by default; NULL or empty: defaults). The horizon is `{"months": m}`,
/// `{"weeks": w}`, `{"days": d}` (converted with the model JSON's `"unit"`)
/// or `{"duration": x}` in model time units; the older `period_length`
/// (one period in model time units) still reads.
///
/// Returns as `eng_clv_p_alive`, plus `ENG_STATUS_CONFIG` for bad options,
/// for a calendar horizon (the default) on a model without a `"unit"`, and
/// `ENG_STATUS_INVALID_INPUT` for a spend that is negative or not finite.
/// Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; each column `len` doubles;
/// `options_json` NULL or `options_len` bytes; `out` valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_discounted_value(
    model_json: *const c_char,
    model_len: usize,
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    spend: *const f64,
    len: usize,
    options_json: *const c_char,
    options_len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            discounted_value(
                &m,
                (frequency, recency, t, spend, len),
                (options_json, options_len),
                out,
            )
        }
    })
}

/// A frequency × recency grid of P(alive) or expected purchases for
/// histories of age `t`, row-major into `out`: `max_frequency + 1` rows
/// (frequency 0, 1, …) of `floor(t) + 1` columns (recency 0, 1, …);
/// impossible histories are NaN. `value_json` is `{"value": "p_alive"}` or
/// `{"value": "expected_purchases", "horizon": h}`. `out_len` must be exactly
/// `(max_frequency + 1) * (floor(t) + 1)`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (not a
/// purchase model, more than 10^7 cells), `ENG_STATUS_INVALID_INPUT` (bad `t`
/// or horizon), `ENG_STATUS_LENGTH_MISMATCH` (`out_len`),
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; `value_json` NULL or `value_len`
/// bytes; `out` valid for `out_len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_frequency_recency_matrix(
    model_json: *const c_char,
    model_len: usize,
    value_json: *const c_char,
    value_len: usize,
    max_frequency: u32,
    t: f64,
    out: *mut f64,
    out_len: usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            let what: MatrixValue = crate::json::document(value_json, value_len, "value_json")?;
            let grid = m.frequency_recency_matrix(what, max_frequency, t)?;
            put_exact(out, out_len, &grid.values)
        }
    })
}

/// Simulates `len` customer histories of ages `t` (BG/BB: whole
/// opportunities) from a purchase model given as JSON, with a seed (the same
/// seed gives the same histories in every face): repeat purchases into
/// `out_frequency`, recency into `out_recency` (room for `len` each).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (not a
/// purchase model, absurd rates), `ENG_STATUS_INVALID_INPUT` (a bad age),
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; `t` `len` doubles; each out
/// column valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_simulate(
    model_json: *const c_char,
    model_len: usize,
    t: *const f64,
    len: usize,
    seed: u64,
    out_frequency: *mut f64,
    out_recency: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            let h = simulate::histories(&m, slice(t, len, "t")?, seed)?;
            if len > 0 && (out_frequency.is_null() || out_recency.is_null()) {
                // Checked before writing either, so a failed call writes nothing.
                return Err(Failure::new(
                    eng_status::NullPointer,
                    "argument out_frequency or out_recency is NULL",
                ));
            }
            put(out_frequency, &h.frequency)?;
            put(out_recency, &h.recency)
        }
    })
}

/// Simulates the mean repeat-transaction value of `len` customers with
/// `frequency` repeat purchases from a `gamma_gamma` model given as JSON,
/// with a seed, into `out` (room for `len`; 0 where `frequency` is 0).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (not
/// Gamma-Gamma), `ENG_STATUS_INVALID_INPUT`, `ENG_STATUS_NULL_POINTER`.
/// Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; `frequency` `len` doubles; `out`
/// valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_simulate_spend(
    model_json: *const c_char,
    model_len: usize,
    frequency: *const f64,
    len: usize,
    seed: u64,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            put(
                out,
                &simulate::spend(&m, slice(frequency, len, "frequency")?, seed)?,
            )
        }
    })
}

/// Simulates the survivor counts of a cohort of `cohort` subscribers over
/// `periods` periods from an `sbg` model given as JSON, with a seed, into
/// `out` (`out_len` must be `periods + 1`: `out[0] = cohort`).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (not sbg,
/// a cohort outside 1..=10^7, more than 10^6 periods),
/// `ENG_STATUS_LENGTH_MISMATCH`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `model_json` NULL or `model_len` bytes; `out` valid for `out_len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_simulate_survivors(
    model_json: *const c_char,
    model_len: usize,
    cohort: u64,
    periods: u32,
    seed: u64,
    out: *mut f64,
    out_len: usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            put_exact(
                out,
                out_len,
                &simulate::survivors(&m, cohort, periods, seed)?,
            )
        }
    })
}

/// The period-transactions table of a purchase model given as JSON, for
/// `len` customers (`frequency`, `recency`, `t`; `weights` NULL or customers
/// per row): customers by repeat purchases in bins 0 … `max_frequency` (the
/// last: that many or more), observed and expected, with Pearson's
/// chi-square, its degrees of freedom and p-value, as JSON (`frequency`,
/// `actual`, `expected`, `chi_square`, `degrees_of_freedom`, `p_value`)
/// owned by the caller (`eng_string_free`).
///
/// Returns as `eng_clv_p_alive`, plus `ENG_STATUS_CONFIG` for a
/// `max_frequency` that leaves no degree of freedom, `ENG_STATUS_EMPTY_INPUT`.
/// Thread-safe.
///
/// # Safety
/// `model_json` `model_len` bytes; each column `len` doubles (`weights` may
/// be NULL); `out_json` valid for one write, `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_period_transactions_json(
    model_json: *const c_char,
    model_len: usize,
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    weights: *const f64,
    len: usize,
    max_frequency: u32,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            let columns = histories(frequency, recency, t, weights, len)?;
            let table = m.period_transactions(&columns, max_frequency)?;
            crate::json::write(&table, out_json, out_len)
        }
    })
}

/// Mean holdout purchases by calibration frequency (bins 0 …
/// `max_frequency`, the last: that many or more; empty bins left out)
/// against the model's mean conditional expected purchases over `duration`,
/// for `len` customers' calibration histories (`frequency`, `recency`, `t`;
/// `weights` NULL or customers per row) and their `holdout` purchases, as
/// JSON (`frequency`, `customers`, `actual`, `predicted`) owned by the caller.
///
/// Returns as `eng_clv_p_alive`, plus `ENG_STATUS_EMPTY_INPUT`. Thread-safe.
///
/// # Safety
/// As `eng_clv_period_transactions_json`; `holdout` `len` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_calibration_holdout_json(
    model_json: *const c_char,
    model_len: usize,
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    weights: *const f64,
    holdout: *const f64,
    len: usize,
    duration: f64,
    max_frequency: u32,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            let columns = histories(frequency, recency, t, weights, len)?;
            let table = m.calibration_holdout(
                &columns,
                slice(holdout, len, "holdout")?,
                duration,
                max_frequency,
            )?;
            crate::json::write(&table, out_json, out_len)
        }
    })
}

/// P(alive) of one customer over time into `out` (room for `at_len`): at
/// each time of `at` (since the first purchase, > 0), the history of the
/// `purchases_len` repeat purchases at `purchases` (times after the first
/// purchase, > 0, in order) up to then, for a purchase model given as JSON.
///
/// Returns as `eng_clv_p_alive`. Thread-safe.
///
/// # Safety
/// `model_json` `model_len` bytes; `purchases` `purchases_len` doubles; `at`
/// `at_len` doubles; `out` valid for `at_len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_p_alive_history(
    model_json: *const c_char,
    model_len: usize,
    purchases: *const f64,
    purchases_len: usize,
    at: *const f64,
    at_len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = model(model_json, model_len)?;
            let values = m.p_alive_history(
                slice(purchases, purchases_len, "purchases")?,
                slice(at, at_len, "at")?,
            )?;
            put(out, &values)
        }
    })
}
