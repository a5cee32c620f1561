//! The sizes the engine takes, and the one place JSON text is parsed.
//!
//! Past a limit the engine answers [`EngError::InvalidInput`] (or
//! [`EngError::Json`] for nesting) before it allocates for the input, so an
//! absurd size is a clear error instead of an out-of-memory abort.
//!
//! | what | limit | why |
//! |---|---|---|
//! | rows per call (touchpoints, transactions, purchase histories …) | [`MAX_ROWS`] = 2³² − 1 | journeys index rows with 32 bits |
//! | customers in a store | memory only: 440–670 bytes each (measured, see the README) | ids are any `u64` |
//! | JSON text (configurations, definitions, models, partials) | [`MAX_JSON_BYTES`] = 1 GiB | use a partial's binary form beyond |
//! | JSON nesting | [`MAX_JSON_DEPTH`] = 127 levels | deeper documents are refused, never a stack overflow |
//! | times | 1970-01-01 ..= 3000-01-01 ([`MIN_TIME`](crate::MIN_TIME), [`MAX_TIME`](crate::MAX_TIME)) | |
//! | money | 0 ..= 1e12 ([`MAX_MONEY`](crate::MAX_MONEY)) | |
//!
//! Requests whose work or memory grows with a number the caller chooses are
//! bounded the same way, each refused as [`EngError::Config`] naming the
//! setting before any of the work:
//!
//! | request | bound | about |
//! |---|---|---|
//! | frequency × recency grid | 10⁷ cells | 80 MB, 1.5 s |
//! | BG/BB grid | [`MAX_BG_BB_GRID_TERMS`](crate::clv::MAX_BG_BB_GRID_TERMS) = 2·10⁷ summed terms | 2 s |
//! | exact Shapley attribution | 15 channels (2¹⁵ coalitions) | |
//! | Markov attribution | order 1 ..= 4 | |
//! | path and sequence analyses | `steps`, `path_length`, `top_paths` 1 ..= 1000 | |
//! | cohort tables | `max_periods` 1 ..= 1000; cohorts × periods ≤ [`MAX_TABLE_CELLS`] = 2·10⁶ | 200 MB |
//! | retention tables | periods and brackets within 1 ..= 1000; cohorts × brackets ≤ [`MAX_TABLE_CELLS`] | 450 MB |
//! | funnels | 32 steps and exclusions in all, `time_bins` 1 ..= 1000 | |
//! | experiments on touchpoints | 1 ..= [`MAX_METRICS`] = 1000 metrics; assigned customers × metrics ≤ [`MAX_EXPERIMENT_CELLS`] = 10⁸ | 3.2 GB |
//! | discounted value | `periods` 1 ..= 10 000 | |
//! | model diagnostics | `max_frequency` ..= 1000 | |
//! | simulated survivors | cohort 1 ..= 10⁷, periods ..= 10⁶ | 2 s |
//! | saved files | counts checked against the bytes present, never allocated up front | |

use serde::de::DeserializeOwned;

use crate::error::{EngError, Result};

/// Rows one call takes: 2³² − 1.
pub const MAX_ROWS: usize = u32::MAX as usize;

/// Bytes of JSON text one call parses: 1 GiB.
pub const MAX_JSON_BYTES: usize = 1 << 30;

/// Nesting of arrays and objects a JSON document may have: 127 levels (the
/// parser's recursion limit of 128, which it enforces; the test pins it).
pub const MAX_JSON_DEPTH: usize = 127;

/// Cells of one cohort or retention table (cohorts × periods or brackets): 2·10⁶, about
/// 220 bytes each while a retention table is counted and written.
pub const MAX_TABLE_CELLS: usize = 2_000_000;

/// Metrics one experiment reads out: 1000.
pub const MAX_METRICS: usize = 1000;

/// Assigned customers × metrics of one experiment on touchpoints: 10⁸, 32 bytes each (the
/// per-customer values every metric keeps for its readout).
pub const MAX_EXPERIMENT_CELLS: usize = 100_000_000;

/// Checks a table of one row per distinct key (a cohort) and `columns` columns against
/// [`MAX_TABLE_CELLS`] before any of it is counted: the distinct keys are counted only when
/// their span could exceed the limit.
///
/// # Errors
/// [`EngError::Config`] naming `setting` (the number of columns the caller chose) past the
/// limit, saying how many cells were asked for.
pub(crate) fn check_table_cells(
    setting: &str,
    what: &str,
    keys: impl Iterator<Item = i64> + Clone,
    columns: usize,
) -> Result<()> {
    let (lo, hi) = keys
        .clone()
        .fold((i64::MAX, i64::MIN), |(lo, hi), k| (lo.min(k), hi.max(k)));
    if lo > hi {
        return Ok(());
    }
    let span = usize::try_from(hi.abs_diff(lo))
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    if span.saturating_mul(columns) <= MAX_TABLE_CELLS {
        return Ok(());
    }
    let mut distinct: Vec<i64> = keys.collect();
    distinct.sort_unstable();
    distinct.dedup();
    let cells = distinct.len().saturating_mul(columns);
    if cells > MAX_TABLE_CELLS {
        return Err(EngError::config(
            setting,
            format!(
                "{} {what} × {columns} is {cells} cells, more than one table holds ({MAX_TABLE_CELLS}); \
                 choose fewer {setting}, a longer period or a later start",
                distinct.len()
            ),
        ));
    }
    Ok(())
}

/// Checks a number of rows against [`MAX_ROWS`].
///
/// # Errors
/// [`EngError::InvalidInput`] naming `field` past the limit.
///
/// # Examples
///
/// ```
/// use engagement_core::limits::{check_rows, MAX_ROWS};
/// assert!(check_rows("touchpoints", MAX_ROWS).is_ok());
/// assert!(check_rows("touchpoints", MAX_ROWS + 1).is_err());
/// ```
pub fn check_rows(field: &str, rows: usize) -> Result<()> {
    if rows > MAX_ROWS {
        return Err(EngError::invalid(
            field,
            rows,
            "is more rows than one call takes (4 294 967 295); split the input",
        ));
    }
    Ok(())
}

/// Parses JSON text within the limits: at most [`MAX_JSON_BYTES`] long and
/// [`MAX_JSON_DEPTH`] deep.
///
/// # Errors
/// [`EngError::InvalidInput`] for text past the size limit; [`EngError::Json`]
/// for malformed or too deeply nested text and for a document of the wrong shape.
///
/// # Examples
///
/// ```
/// use engagement_core::{limits::from_json, EngError};
/// let v: Vec<u8> = from_json("[1, 2]")?;
/// assert_eq!(v, [1, 2]);
/// let deep = "[".repeat(200) + &"]".repeat(200);
/// assert!(matches!(from_json::<serde_json::Value>(&deep), Err(EngError::Json { .. })));
/// // Errors say where in the document they are.
/// let e = from_json::<engagement_core::StageConfig>(r#"{"at_risk_factorr": 2}"#).unwrap_err();
/// assert!(e.to_string().contains("unknown field `at_risk_factorr`, expected one of"));
/// let e = from_json::<Vec<engagement_core::Channel>>(r#"["web", "fax"]"#).unwrap_err();
/// assert!(e.to_string().contains("at [1]: unknown variant `fax`, expected one of `email`"));
/// # Ok::<(), EngError>(())
/// ```
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T> {
    if text.len() > MAX_JSON_BYTES {
        return Err(EngError::invalid(
            "json",
            text.len(),
            "bytes of JSON is more than one call parses (1 GiB); use a partial's binary form",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(located)?;
    de.end()?;
    Ok(value)
}

/// A JSON error that names where in the document it is (`steps[0].kinds[1]`),
/// not only a line and column of text that a Python caller never wrote.
pub(crate) fn located(e: serde_path_to_error::Error<serde_json::Error>) -> EngError {
    let path = e.path().to_string();
    crate::error::json_error(&e.into_inner(), &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_limit_is_what_the_parser_enforces() {
        let nest = |d: usize| "[".repeat(d) + &"]".repeat(d);
        let max = (1..300)
            .take_while(|&d| from_json::<serde_json::Value>(&nest(d)).is_ok())
            .last();
        assert_eq!(max, Some(MAX_JSON_DEPTH));
        let e = from_json::<serde_json::Value>(&nest(MAX_JSON_DEPTH + 1)).unwrap_err();
        assert!(e.to_string().contains("recursion limit"), "{e}");
        // Far deeper input is refused the same way, without exhausting the stack.
        assert!(from_json::<serde_json::Value>(&nest(1_000_000)).is_err());
    }

    #[test]
    fn table_cells_are_counted_only_past_the_span() {
        // A span within the limit passes without counting; a wide span of few keys passes.
        assert!(check_table_cells("periods", "cohorts", [0i64, 1999].into_iter(), 1000).is_ok());
        assert!(check_table_cells("periods", "cohorts", [0i64, 1 << 40].into_iter(), 1000).is_ok());
        assert!(check_table_cells("periods", "cohorts", std::iter::empty(), 1000).is_ok());
        let many = 0..2001i64;
        let e = check_table_cells("periods", "cohorts", many, 1000).unwrap_err();
        assert_eq!(e.kind(), "config");
        assert!(
            e.to_string()
                .contains("2001 cohorts × 1000 is 2001000 cells"),
            "{e}"
        );
    }

    #[test]
    fn size_limit_is_checked_before_parsing() {
        let big = " ".repeat(MAX_JSON_BYTES + 1);
        let e = from_json::<serde_json::Value>(&big).unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
        assert!(e.to_string().contains("1 GiB"), "{e}");
    }
}

/// Whether two columns of cells are equal, a NaN cell (not observed, not
/// defined) equal to a NaN cell: the equality of the tables that hold NaN.
pub(crate) fn same_cells(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

/// Serde for a column of `f64` cells where NaN (not observed, not defined)
/// is JSON `null`, both ways: serde_json writes NaN as `null` but does not
/// read `null` back as a number.
pub(crate) mod nan_cells {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| if x.is_nan() { None } else { Some(*x) }))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let v: Vec<Option<f64>> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
    }
}
