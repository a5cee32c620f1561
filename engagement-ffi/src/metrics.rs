//! Metrics with uncertainty: NPS, CSAT and proportions with Wilson intervals.

use engagement_core::{NpsSummary, Proportion};

use crate::boundary::boundary;
use crate::handle::{out, slice};
use crate::status::eng_status;

/// A share with its Wilson interval (see `eng_wilson`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_proportion {
    /// Successes.
    pub successes: u64,
    /// Trials.
    pub trials: u64,
    /// successes / trials.
    pub rate: f64,
    /// Lower bound of the interval.
    pub ci_low: f64,
    /// Upper bound of the interval.
    pub ci_high: f64,
    /// Confidence level.
    pub level: f64,
}

impl From<Proportion> for eng_proportion {
    fn from(p: Proportion) -> Self {
        eng_proportion {
            successes: p.successes,
            trials: p.trials,
            rate: p.rate,
            ci_low: p.ci_low,
            ci_high: p.ci_high,
            level: p.level,
        }
    }
}

/// Net Promoter Score of a set of answers (see `eng_nps`). Points: −100 … 100.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_nps_summary {
    /// Number of answers.
    pub n: u64,
    /// Answers 9–10.
    pub promoters: u64,
    /// Answers 7–8.
    pub passives: u64,
    /// Answers 0–6.
    pub detractors: u64,
    /// NPS in points.
    pub score: f64,
    /// Standard error in points.
    pub std_error: f64,
    /// Lower bound of the normal interval (points, ≥ −100).
    pub ci_low: f64,
    /// Upper bound of the normal interval (points, ≤ 100).
    pub ci_high: f64,
    /// Confidence level.
    pub level: f64,
}

impl From<NpsSummary> for eng_nps_summary {
    fn from(s: NpsSummary) -> Self {
        eng_nps_summary {
            n: s.n,
            promoters: s.promoters,
            passives: s.passives,
            detractors: s.detractors,
            score: s.score,
            std_error: s.std_error,
            ci_low: s.ci_low,
            ci_high: s.ci_high,
            level: s.level,
        }
    }
}

/// NPS of `len` answers on the 0–10 scale, with standard error and a normal
/// confidence interval at `level` (e.g. 0.95). Writes `*out` on success.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_INVALID_INPUT` for an answer that is
/// not a whole number 0–10 (the message gives the row); `ENG_STATUS_EMPTY_INPUT`
/// for no answers; `ENG_STATUS_CONFIG` for a level outside (0, 1);
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `ratings` must be NULL (with `len == 0`) or point to `len` floats; `out`
/// must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_nps(
    ratings: *const f32,
    len: usize,
    level: f64,
    out_summary: *mut eng_nps_summary,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let ratings = unsafe { slice(ratings, len, "ratings")? };
        let out_summary = unsafe { out(out_summary, "out_summary")? };
        *out_summary = engagement_core::nps(ratings, level)?.into();
        Ok(())
    })
}

/// CSAT: the share of answers of 4 or 5 among `len` answers on the 1–5 scale,
/// with a Wilson interval at `level`. Statuses as `eng_nps`.
///
/// # Safety
/// As `eng_nps`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_csat(
    ratings: *const f32,
    len: usize,
    level: f64,
    out_share: *mut eng_proportion,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let ratings = unsafe { slice(ratings, len, "ratings")? };
        let out_share = unsafe { out(out_share, "out_share")? };
        *out_share = engagement_core::csat(ratings, level)?.into();
        Ok(())
    })
}

/// A proportion `successes / trials` (a conversion rate, say) with its Wilson
/// score interval at `level`.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_EMPTY_INPUT` when `trials` is 0;
/// `ENG_STATUS_INVALID_INPUT` when `successes > trials`; `ENG_STATUS_CONFIG`
/// for a level outside (0, 1); `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `out_share` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_wilson(
    successes: u64,
    trials: u64,
    level: f64,
    out_share: *mut eng_proportion,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promise.
        let out_share = unsafe { out(out_share, "out_share")? };
        *out_share = Proportion::wilson(successes, trials, level)?.into();
        Ok(())
    })
}

/// Churn and retention over one period (see `eng_retention_rate`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct eng_churn_summary {
    /// Customers at the start of the period.
    pub at_start: u64,
    /// Of those, customers lost.
    pub lost: u64,
    /// Customers acquired (or returned) during the period.
    pub new_customers: u64,
    /// Customers at the end.
    pub at_end: u64,
    /// lost / at_start, with a Wilson interval.
    pub churn: eng_proportion,
    /// (at_end − new) / at_start.
    pub retention: f64,
}

impl From<engagement_core::ChurnSummary> for eng_churn_summary {
    fn from(c: engagement_core::ChurnSummary) -> Self {
        eng_churn_summary {
            at_start: c.at_start,
            lost: c.lost,
            new_customers: c.new,
            at_end: c.at_end,
            churn: c.churn.into(),
            retention: c.retention,
        }
    }
}

/// NPS from counts of promoters, passives and detractors. Statuses as
/// `eng_nps` (`ENG_STATUS_INVALID_INPUT` when the counts overflow).
///
/// # Safety
/// `out_summary` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_nps_counts(
    promoters: u64,
    passives: u64,
    detractors: u64,
    level: f64,
    out_summary: *mut eng_nps_summary,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promise.
        let out_summary = unsafe { out(out_summary, "out_summary")? };
        *out_summary = engagement_core::nps_counts(promoters, passives, detractors, level)?.into();
        Ok(())
    })
}

/// Retention `(at_end − new_customers) / at_start` and churn with a Wilson
/// interval at `level`.
///
/// Returns `ENG_STATUS_OK`; `ENG_STATUS_EMPTY_INPUT` (`at_start` 0);
/// `ENG_STATUS_INVALID_INPUT` (inconsistent counts); `ENG_STATUS_CONFIG`;
/// `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `out_summary` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_retention_rate(
    at_start: u64,
    at_end: u64,
    new_customers: u64,
    level: f64,
    out_summary: *mut eng_churn_summary,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promise.
        let out_summary = unsafe { out(out_summary, "out_summary")? };
        *out_summary =
            engagement_core::retention_rate(at_start, at_end, new_customers, level)?.into();
        Ok(())
    })
}

/// Simple customer lifetime value of a JSON input (`{"average_order_value",
/// "purchase_frequency", "lifespan", "margin" (default 1), "discount_rate"
/// (default 0)}`, UTF-8, `len` bytes).
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_JSON`, `ENG_STATUS_CONFIG`,
/// `ENG_STATUS_INVALID_UTF8`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `input_json` must point to `len` readable bytes; `out_clv` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_simple_clv(
    input_json: *const std::ffi::c_char,
    len: usize,
    out_clv: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let input: engagement_core::SimpleClvInput =
            unsafe { crate::json::document(input_json, len, "input_json")? };
        let out_clv = unsafe { out(out_clv, "out_clv")? };
        *out_clv = engagement_core::simple_clv(&input)?;
        Ok(())
    })
}

/// Lifetime value under constant retention, `m · r / (1 + d − r)`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_CONFIG`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `out_clv` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_retention_clv(
    margin: f64,
    retention: f64,
    discount_rate: f64,
    out_clv: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promise.
        let out_clv = unsafe { out(out_clv, "out_clv")? };
        *out_clv = engagement_core::retention_clv(margin, retention, discount_rate)?;
        Ok(())
    })
}

/// LTV:CAC, `clv / cac`.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_CONFIG`, `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `out_ratio` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_ltv_to_cac(clv: f64, cac: f64, out_ratio: *mut f64) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promise.
        let out_ratio = unsafe { out(out_ratio, "out_ratio")? };
        *out_ratio = engagement_core::ltv_to_cac(clv, cac)?;
        Ok(())
    })
}

/// Percentile ranks (mid-rank, 0–100) of `len` values, written to
/// `out_ranks` (room for `len`), in input order.
///
/// Returns `ENG_STATUS_OK`, `ENG_STATUS_INVALID_INPUT` (NaN), `ENG_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `values` must point to `len` doubles; `out_ranks` valid for `len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eng_percentile_ranks(
    values: *const f64,
    len: usize,
    out_ranks: *mut f64,
) -> eng_status {
    boundary(|| {
        // SAFETY: the caller's promises.
        let values = unsafe { slice(values, len, "values")? };
        let ranks = engagement_core::percentile_ranks(values)?;
        unsafe { crate::handle::put(out_ranks, &ranks, "out_ranks") }
    })
}
