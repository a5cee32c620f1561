//! A fitted lifetime-value model as a handle: fitted or read from JSON once,
//! then predictions take it directly (no JSON parsed per call).

use std::ffi::c_char;

use engagement_core::clv::{ClvFit, ModelWithUnit};

use crate::boundary::boundary;
use crate::handle::{Castable, free, hand_out, handle_ref, out};
use crate::status::eng_status;

/// An opaque lifetime-value model (and, when fitted here, its fit:
/// log-likelihood, iterations, standard errors).
///
/// Thread safety: immutable; any number of calls may use it at once.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct eng_clv_model {
    _private: [u8; 0],
}

/// A model, and the fit it came from when it was fitted here.
#[derive(Debug)]
pub(crate) struct Model {
    model: ModelWithUnit,
    fit: Option<ClvFit>,
}

impl Castable for eng_clv_model {
    type RustType = Model;
    const NOUN: &'static str = "lifetime-value model";
}

/// Fits a model as `eng_clv_fit_json` does (same arguments and statuses) and
/// hands it out as a handle owned by the caller (`eng_clv_model_free`);
/// `eng_clv_model_to_json` gives the fit as JSON.
///
/// # Safety
/// As `eng_clv_fit_json`; `out_model` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_model_fit(
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
    out_model: *mut *mut eng_clv_model,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_model = out(out_model, "out_model")?;
            let fit = crate::clv::fit(
                (model, model_len),
                (frequency, recency, t, monetary_value, weights, len),
                (options_json, options_len),
            )?;
            hand_out(
                Model {
                    model: fit.model,
                    fit: Some(fit),
                },
                out_model,
            );
            Ok(())
        }
    })
}

/// Reads a model from JSON, as every `model_json` argument takes it (a model
/// or a whole fit result), once; the handle is owned by the caller.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG` (bad
/// parameters), `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `json` NULL or `len` readable bytes; `out_model` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_model_from_json(
    json: *const c_char,
    len: usize,
    out_model: *mut *mut eng_clv_model,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let out_model = out(out_model, "out_model")?;
            let text = crate::handle::text(json, len, "json")?;
            hand_out(
                Model {
                    model: ModelWithUnit::from_json(text)?,
                    fit: None,
                },
                out_model,
            );
            Ok(())
        }
    })
}

/// The model as JSON owned by the caller (`eng_string_free`): the whole fit
/// result (`model`, `log_likelihood`, `iterations`, `customers`,
/// `standard_errors`) for a model fitted with `eng_clv_model_fit`, the
/// model's JSON otherwise; either goes back into `eng_clv_model_from_json`
/// and every `model_json` argument.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_NULL_POINTER`.
///
/// # Safety
/// `model` a live model; `out_json` valid for one write; `out_len` NULL or one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_model_to_json(
    model: *const eng_clv_model,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = handle_ref(model, "model")?;
            match &m.fit {
                Some(fit) => crate::json::write(fit, out_json, out_len),
                None => crate::json::write(&m.model, out_json, out_len),
            }
        }
    })
}

/// Releases a model. NULL is fine; twice is not.
///
/// # Safety
/// `model` NULL or a live model.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_model_free(model: *mut eng_clv_model) {
    // SAFETY: the caller promises NULL or a live model.
    unsafe { free(model) }
}

/// `eng_clv_p_alive` with the model as a handle (same columns and statuses,
/// without `ENG_STATUS_JSON`).
///
/// # Safety
/// `model` a live model; each column `len` doubles; `out` valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_model_p_alive(
    model: *const eng_clv_model,
    frequency: *const f64,
    recency: *const f64,
    t: *const f64,
    len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = handle_ref(model, "model")?;
            crate::clv::p_alive(&m.model, frequency, recency, t, len, out)
        }
    })
}

/// `eng_clv_conditional_expected_purchases` with the model as a handle.
///
/// # Safety
/// As `eng_clv_model_p_alive`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_model_expected_purchases(
    model: *const eng_clv_model,
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
            let m = handle_ref(model, "model")?;
            crate::clv::expected_purchases(&m.model, horizon, frequency, recency, t, len, out)
        }
    })
}

/// `eng_clv_expected_spend` with the (Gamma-Gamma) model as a handle.
///
/// # Safety
/// `model` a live model; each column `len` doubles; `out` valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_model_expected_spend(
    model: *const eng_clv_model,
    frequency: *const f64,
    monetary_value: *const f64,
    len: usize,
    out: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises, forwarded.
        unsafe {
            let m = handle_ref(model, "model")?;
            crate::clv::expected_spend(&m.model, frequency, monetary_value, len, out)
        }
    })
}

/// `eng_clv_discounted_value` with the (purchase) model as a handle.
///
/// # Safety
/// `model` a live model; each column `len` doubles; `options_json` NULL or
/// `options_len` bytes; `out` valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_model_discounted_value(
    model: *const eng_clv_model,
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
            let m = handle_ref(model, "model")?;
            crate::clv::discounted_value(
                &m.model,
                (frequency, recency, t, spend, len),
                (options_json, options_len),
                out,
            )
        }
    })
}

/// Confidence intervals at `level` (0 < level < 1; 0.95 is the usual) of
/// `len` positive parameters from their standard errors, as a fit reports
/// them (`eng_clv_model_to_json`'s `standard_errors`, in the model's
/// parameter order): Wald intervals on the log scale, `θ·exp(±z·se/θ)` with
/// `z = Φ⁻¹(1 − (1 − level)/2)`, written to `out_low` and `out_high` (room
/// for `len` each). Both bounds stay positive; the interval is wider above
/// the estimate than below it.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_CONFIG` (a level outside (0, 1)),
/// `ENG_STATUS_INVALID_INPUT` (a parameter not finite and > 0, or a
/// standard error not finite and ≥ 0, naming the row),
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `params` and `standard_errors` must point to `len` doubles; `out_low`
/// and `out_high` valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_clv_parameter_intervals(
    params: *const f64,
    standard_errors: *const f64,
    len: usize,
    level: f64,
    out_low: *mut f64,
    out_high: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        unsafe {
            let params = crate::handle::slice(params, len, "params")?;
            let se = crate::handle::slice(standard_errors, len, "standard_errors")?;
            let intervals = engagement_core::clv::fit::parameter_intervals(params, se, level)?;
            let low: Vec<f64> = intervals.iter().map(|i| i[0]).collect();
            let high: Vec<f64> = intervals.iter().map(|i| i[1]).collect();
            crate::handle::put(out_low, &low, "out_low")?;
            crate::handle::put(out_high, &high, "out_high")
        }
    })
}
