//! RFM: recency, frequency and monetary scores, and the named RFM segments.

use crate::model::time::IntoTime;
use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::model::money::{from_micros, micros};
use crate::profile::{ProfileStore, SHARD_BITS, shard_of};

/// What "monetary" means.
///
/// # Examples
///
/// ```
/// use engagement_core::MonetaryBasis;
/// assert_eq!(serde_json::from_str::<MonetaryBasis>("\"average\"")?, MonetaryBasis::Average);
/// assert_eq!(MonetaryBasis::default(), MonetaryBasis::Total);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonetaryBasis {
    /// Total revenue (the default).
    #[default]
    Total,
    /// Average order value.
    Average,
}

/// How RFM scores cut values into the scores 1–5.
///
/// # Examples
///
/// ```
/// use engagement_core::RfmBins;
/// assert_eq!(RfmBins::default(), RfmBins::Customers);
/// assert_eq!(serde_json::from_str::<RfmBins>("\"distinct_values\"")?, RfmBins::DistinctValues);
/// // Frequencies 1 1 1 1 2 3 4 5 6 9: the four one-time buyers score 1, then fifths of customers.
/// let f = [1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 9.0];
/// assert_eq!(RfmBins::Customers.scores("frequency", &f, false)?, [1, 1, 1, 1, 3, 3, 4, 4, 5, 5]);
/// assert_eq!(RfmBins::DistinctValues.scores("frequency", &f, false)?, [1, 1, 1, 1, 1, 2, 3, 3, 4, 5]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfmBins {
    /// Quintiles of customers (the default): equal-count bins, as SQL's
    /// `NTILE(5)` makes them, with ties kept together instead of split by row
    /// order (pandas' `qcut` refuses such ties or drops bins). Sort the
    /// customers by value, ascending; a customer with `a` customers of
    /// strictly smaller value falls in bin `1 + ⌊5a / n⌋`, and scores the
    /// bin, or `6 −` the bin where lower is better (recency: the most recent
    /// score 5). Customers with equal values share the lowest bin
    /// their group spans, and a bin the group swallows stays empty: on
    /// CDNOW's 2,357-customer sample the 1,205 one-time buyers all score
    /// F = 1 and no customer scores F = 2. Without ties each score holds
    /// ⌊n/5⌋ or ⌈n/5⌉ customers. A constant column falls in bin 1.
    #[default]
    Customers,
    /// Fifths of the distinct values (the first edition's only rule): the
    /// j-th of k distinct values, from worst to best, scores `1 + ⌊5j/k⌋`
    /// (see [`quintile_scores`]). A long tail leaves most customers at the
    /// bottom: 2,188 of those 2,357 customers at F = 1.
    DistinctValues,
}

impl RfmBins {
    /// Scores 1–5 of `values` under this rule; `lower_is_better` for
    /// recency. The result is a function of the values alone, never of row
    /// order.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] naming `field` and the row for a NaN or infinite value.
    pub fn scores(self, field: &str, values: &[f64], lower_is_better: bool) -> Result<Vec<u8>> {
        match self {
            RfmBins::Customers => customer_quintile_scores(field, values, lower_is_better),
            RfmBins::DistinctValues => quintile_scores(field, values, lower_is_better),
        }
    }
}

/// One row of the RFM segment table: customers whose R score and FM score
/// (the mean of F and M, rounded half up) fall in the inclusive ranges.
///
/// # Examples
///
/// ```
/// use engagement_core::RfmSegmentRule;
/// let r: RfmSegmentRule = serde_json::from_str(r#"{"name": "best", "r": [4, 5], "fm": [4, 5]}"#)?;
/// assert_eq!(r.r, [4, 5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RfmSegmentRule {
    /// Segment name.
    pub name: String,
    /// Inclusive range of the R score, within 1..=5.
    pub r: [u8; 2],
    /// Inclusive range of the FM score, within 1..=5.
    pub fm: [u8; 2],
}

fn rule(name: &str, r: [u8; 2], fm: [u8; 2]) -> RfmSegmentRule {
    RfmSegmentRule {
        name: name.into(),
        r,
        fm,
    }
}

/// RFM settings.
///
/// The default segment table (first matching row wins; `FM = ⌊(F + M + 1)/2⌋`):
///
/// | segment | R | FM |
/// |---|---|---|
/// | champions | 4–5 | 4–5 |
/// | loyal_customers | 3 | 4–5 |
/// | cant_lose_them | 1–2 | 5 |
/// | cant_lose_them | 1 | 4 |
/// | at_risk | 1–2 | 3–4 |
/// | potential_loyalists | 4–5 | 2–3 |
/// | new_customers | 5 | 1 |
/// | promising | 3–4 | 1 |
/// | need_attention | 3 | 2–3 |
/// | about_to_sleep | 2 | 2 |
/// | hibernating | 2 | 1 |
/// | hibernating | 1 | 2 |
/// | lost | 1 | 1 |
///
/// Every one of the 25 (R, FM) cells must be covered by some row; a custom
/// table that leaves a cell uncovered is a configuration error. Scores are
/// quintiles of customers ([`RfmBins::Customers`]) unless `bins` says
/// `"distinct_values"`.
///
/// # Examples
///
/// ```
/// use engagement_core::RfmConfig;
/// let cfg: RfmConfig = serde_json::from_str(r#"{"monetary": "average"}"#)?;
/// cfg.validate()?;
/// assert_eq!(cfg.segments.len(), 13);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RfmConfig {
    /// Total revenue or average order value.
    pub monetary: MonetaryBasis,
    /// How values become scores 1–5: quintiles of customers (the default)
    /// or of distinct values.
    pub bins: RfmBins,
    /// The segment table, in priority order.
    pub segments: Vec<RfmSegmentRule>,
}

impl Default for RfmConfig {
    fn default() -> Self {
        RfmConfig {
            monetary: MonetaryBasis::Total,
            bins: RfmBins::Customers,
            segments: vec![
                rule("champions", [4, 5], [4, 5]),
                rule("loyal_customers", [3, 3], [4, 5]),
                rule("cant_lose_them", [1, 2], [5, 5]),
                rule("cant_lose_them", [1, 1], [4, 4]),
                rule("at_risk", [1, 2], [3, 4]),
                rule("potential_loyalists", [4, 5], [2, 3]),
                rule("new_customers", [5, 5], [1, 1]),
                rule("promising", [3, 4], [1, 1]),
                rule("need_attention", [3, 3], [2, 3]),
                rule("about_to_sleep", [2, 2], [2, 2]),
                rule("hibernating", [2, 2], [1, 1]),
                rule("hibernating", [1, 1], [2, 2]),
                rule("lost", [1, 1], [1, 1]),
            ],
        }
    }
}

/// A validated segment table: the segment of every (R, FM) cell.
#[derive(Debug, Clone)]
struct SegmentGrid {
    names: Vec<String>,
    /// `cell[(r − 1) · 5 + (fm − 1)]` = index into `names`.
    cell: [u16; 25],
}

impl RfmConfig {
    /// Checks the segment table: ranges within 1..=5 and every cell covered.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the row (`segments[i].r`) or the uncovered cell.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{RfmConfig, RfmSegmentRule};
    /// let gaps = RfmConfig { segments: vec![RfmSegmentRule { name: "x".into(), r: [1, 5], fm: [1, 4] }], ..Default::default() };
    /// assert!(gaps.validate().unwrap_err().to_string().contains("FM = 5"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.grid().map(|_| ())
    }

    /// The segment names, in the order that [`RfmScores::segment`] indices
    /// refer to (table order of first appearance).
    ///
    /// # Errors
    /// As [`validate`](Self::validate).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::RfmConfig;
    /// let names = RfmConfig::default().segment_names()?;
    /// assert_eq!((names.len(), names[0].as_str()), (11, "champions"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn segment_names(&self) -> Result<Vec<String>> {
        Ok(self.grid()?.names)
    }

    fn grid(&self) -> Result<SegmentGrid> {
        let mut names: Vec<String> = Vec::new();
        let mut cell = [u16::MAX; 25];
        for (i, rule) in self.segments.iter().enumerate() {
            for (what, [lo, hi]) in [("r", rule.r), ("fm", rule.fm)] {
                if !(1..=5).contains(&lo) || !(1..=5).contains(&hi) || lo > hi {
                    return Err(EngError::config(
                        format!("segments[{i}].{what}"),
                        format!(
                            "must be a range [lo, hi] with 1 <= lo <= hi <= 5, got [{lo}, {hi}]"
                        ),
                    ));
                }
            }
            if rule.name.trim().is_empty() {
                return Err(EngError::config(
                    format!("segments[{i}].name"),
                    "must not be empty",
                ));
            }
            let id = match names.iter().position(|n| *n == rule.name) {
                Some(p) => p,
                None => {
                    names.push(rule.name.clone());
                    names.len() - 1
                }
            } as u16;
            for r in rule.r[0]..=rule.r[1] {
                for fm in rule.fm[0]..=rule.fm[1] {
                    let c = &mut cell[usize::from((r - 1) * 5 + (fm - 1))];
                    if *c == u16::MAX {
                        *c = id;
                    }
                }
            }
        }
        if let Some(k) = cell.iter().position(|&c| c == u16::MAX) {
            return Err(EngError::config(
                "segments",
                format!("no row covers R = {}, FM = {}", k / 5 + 1, k % 5 + 1),
            ));
        }
        Ok(SegmentGrid { names, cell })
    }
}

/// Raw recency, frequency and monetary values per customer (columns).
///
/// # Examples
///
/// ```
/// use engagement_core::{rfm_scores, RfmConfig, RfmValues};
/// let v = RfmValues { customer: vec![1], recency: vec![3.0], frequency: vec![2.0], monetary: vec![40.0] };
/// assert_eq!(rfm_scores(&v, &RfmConfig::default())?.code, [511]);   // one distinct value: R = 6 − 1, F = M = 1
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RfmValues {
    /// Customer ids.
    pub customer: Vec<u64>,
    /// Days since the last purchase (lower is better).
    pub recency: Vec<f64>,
    /// Number of purchases.
    pub frequency: Vec<f64>,
    /// Total revenue or average order value.
    pub monetary: Vec<f64>,
}

impl RfmValues {
    /// The RFM values of every customer of `store` with at least one
    /// purchase, at `as_of`, in ascending customer id. Customers without a
    /// purchase have no RFM values and are left out.
    ///
    /// # Errors
    /// [`EngError::AsOfBeforeData`] when `as_of` is before a last purchase.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{MonetaryBasis, ProfileStore, RfmValues, SignalConfig, TouchpointColumns};
    /// let day = 86_400;
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[1, 1, 2], time: &[0, 5 * day, 0], channel: &[1, 1, 0], kind: &[4, 4, 2],
    ///     value: &[10.0, 30.0, 0.0], ..Default::default()
    /// })?;
    /// let v = RfmValues::from_store(&store, 10 * day, MonetaryBasis::Total)?;
    /// assert_eq!((v.customer, v.recency, v.frequency, v.monetary), (vec![1], vec![5.0], vec![2.0], vec![40.0]));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_store(
        store: &ProfileStore,
        as_of: impl IntoTime,
        basis: MonetaryBasis,
    ) -> Result<Self> {
        let as_of = as_of.unix_seconds();
        let (customer, values) = store.map(|p| {
            let Some(last) = p.last_purchase() else {
                return Ok(None);
            };
            if as_of < last {
                return Err(EngError::AsOfBeforeData {
                    as_of,
                    latest: last,
                    customer: p.customer(),
                });
            }
            let monetary = match basis {
                MonetaryBasis::Total => p.revenue(),
                MonetaryBasis::Average => p.average_order_value().unwrap_or(0.0),
            };
            Ok(Some((
                (as_of - last) as f64 / 86_400.0,
                p.purchases() as f64,
                monetary,
            )))
        })?;
        let mut out = RfmValues::default();
        for (c, v) in customer.into_iter().zip(values) {
            if let Some((r, f, m)) = v {
                out.customer.push(c);
                out.recency.push(r);
                out.frequency.push(f);
                out.monetary.push(m);
            }
        }
        Ok(out)
    }
}

impl RfmValues {
    /// RFM values straight from a transaction log (customer, time, value),
    /// without building profiles: each transaction is a purchase. Rows are
    /// grouped by a hash of the customer id into cache-sized shards and
    /// aggregated shard by shard; the result is in ascending customer id.
    ///
    /// # Errors
    /// - as [`TransactionColumns::validate`](crate::transactions::TransactionColumns::validate);
    /// - [`EngError::AsOfBeforeData`] when a transaction is later than `as_of`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{MonetaryBasis, RfmValues};
    /// use engagement_core::transactions::TransactionColumns;
    /// let day = 86_400;
    /// let v = RfmValues::from_transactions(&TransactionColumns {
    ///     customer: &[7, 3, 7], time: &[0, 2 * day, 4 * day], value: &[10.0, 5.0, 30.0],
    /// }, 10 * day, MonetaryBasis::Average)?;
    /// assert_eq!(v.customer, [3, 7]);
    /// assert_eq!(v.recency, [8.0, 6.0]);
    /// assert_eq!(v.frequency, [1.0, 2.0]);
    /// assert_eq!(v.monetary, [5.0, 20.0]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_transactions(
        cols: &crate::transactions::TransactionColumns<'_>,
        as_of: impl IntoTime,
        basis: MonetaryBasis,
    ) -> Result<Self> {
        let as_of = as_of.unix_seconds();
        let n = cols.validate()?;
        if let Some(i) = (0..n).max_by_key(|&i| cols.time[i])
            && cols.time[i] > as_of
        {
            return Err(EngError::AsOfBeforeData {
                as_of,
                latest: cols.time[i],
                customer: cols.customer[i],
            });
        }
        let shards = 1usize << SHARD_BITS;
        // Scatter (customer, time, micro-units) by shard, each buffer sized
        // exactly; then sort each cache-sized shard by customer and fold the
        // runs into (customer, last time, count, sum of micro-units).
        let mut counts = vec![0usize; shards];
        for &c in cols.customer {
            counts[shard_of(c)] += 1;
        }
        let mut buffers: Vec<Vec<(u64, i64, i64)>> =
            counts.iter().map(|&k| Vec::with_capacity(k)).collect();
        for i in 0..n {
            let micros = cols.value.get(i).map_or(0, |&v| micros(v));
            buffers[shard_of(cols.customer[i])].push((cols.customer[i], cols.time[i], micros));
        }
        let mut rows: Vec<(u64, i64, u64, i64)> = Vec::new();
        for buffer in &mut buffers {
            radsort::sort_by_key(buffer, |r| r.0);
            for &(c, t, v) in buffer.iter() {
                match rows.last_mut() {
                    Some(r) if r.0 == c => {
                        r.1 = r.1.max(t);
                        r.2 += 1;
                        r.3 = r.3.saturating_add(v);
                    }
                    _ => rows.push((c, t, 1, v)),
                }
            }
            *buffer = Vec::new();
        }
        radsort::sort_by_key(&mut rows, |r| r.0);
        let mut out = RfmValues {
            customer: Vec::with_capacity(rows.len()),
            recency: Vec::with_capacity(rows.len()),
            frequency: Vec::with_capacity(rows.len()),
            monetary: Vec::with_capacity(rows.len()),
        };
        for (c, last, count, micros) in rows {
            out.customer.push(c);
            out.recency.push((as_of - last) as f64 / 86_400.0);
            out.frequency.push(count as f64);
            let total = from_micros(i128::from(micros));
            out.monetary.push(match basis {
                MonetaryBasis::Total => total,
                MonetaryBasis::Average => total / count as f64,
            });
        }
        Ok(out)
    }
}

/// RFM scores and segments as columns, in the order of the input.
///
/// # Examples
///
/// ```
/// use engagement_core::{rfm_scores, RfmConfig, RfmValues};
/// let v = RfmValues { customer: vec![1, 2], recency: vec![1.0, 90.0], frequency: vec![6.0, 1.0], monetary: vec![300.0, 10.0] };
/// let s = rfm_scores(&v, &RfmConfig::default())?;
/// assert_eq!((s.r.clone(), s.f.clone(), s.m.clone()), (vec![5, 3], vec![3, 1], vec![3, 1]));
/// assert_eq!(s.score, [11, 5]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RfmScores {
    /// Customer ids.
    pub customer: Vec<u64>,
    /// R score, 1–5 (5 = most recent).
    pub r: Vec<u8>,
    /// F score, 1–5 (5 = most frequent).
    pub f: Vec<u8>,
    /// M score, 1–5 (5 = highest spend).
    pub m: Vec<u8>,
    /// RFM code `100·R + 10·F + M` (e.g. 545).
    pub code: Vec<u16>,
    /// RFM score `R + F + M`, 3–15.
    pub score: Vec<u8>,
    /// Segment of each customer, an index into `segment_names`.
    pub segment: Vec<u16>,
    /// Names of the segments, in table order of first appearance.
    pub segment_names: Vec<String>,
    /// The rule that made the scores.
    pub bins: RfmBins,
}

impl RfmScores {
    /// The segment name of row `i`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{rfm_scores, RfmConfig, RfmValues};
    /// let v = RfmValues { customer: vec![1], recency: vec![1.0], frequency: vec![1.0], monetary: vec![1.0] };
    /// let s = rfm_scores(&v, &RfmConfig::default())?;
    /// assert_eq!(s.segment_name(0), Some("new_customers"));   // R 5, F 1, M 1
    /// assert_eq!(s.segment_name(1), None);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn segment_name(&self, i: usize) -> Option<&str> {
        let s = *self.segment.get(i)?;
        self.segment_names.get(usize::from(s)).map(String::as_str)
    }
}

/// Order-preserving map of an `f64` to `u64` (total order, NaN excluded before).
fn sort_key(v: f64) -> u64 {
    let b = (v + 0.0).to_bits(); // + 0.0 turns −0 into +0
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Quintile scores 1–5 over the **distinct** values.
///
/// With `k` distinct values sorted ascending, the value of rank `j`
/// (0-based) scores `1 + ⌊5j / k⌋`, reversed (`6 − …`) when lower is better.
/// Equal values always share a score, and each score holds about a fifth of
/// the distinct values, so heavy ties (say 60 % of customers with one
/// purchase) fall into one score instead of being split at random; the result
/// never depends on row order. With fewer than five distinct values the
/// scores spread over 1–5 (two values score 1 and 3); a single distinct value
/// scores 1 (5 when lower is better), so a constant column carries no signal.
///
/// # Errors
/// [`EngError::InvalidInput`] naming `field` and the row for a NaN or infinite value.
///
/// # Examples
///
/// ```
/// use engagement_core::quintile_scores;
/// let s = quintile_scores("frequency", &[1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 1.0, 7.0], false)?;
/// // Distinct values 1 2 3 4 5 7 9 (k = 7): ranks 0..6 → 1 + ⌊5j/7⌋ = 1 1 2 3 3 4 5.
/// assert_eq!(s, [1, 1, 1, 1, 2, 3, 3, 5, 1, 4]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn quintile_scores(field: &str, values: &[f64], lower_is_better: bool) -> Result<Vec<u8>> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(EngError::invalid(field, values[i], "must be a finite number").at_row(i));
    }
    let mut keyed: Vec<(u64, u32)> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (sort_key(v), i as u32))
        .collect();
    radsort::sort_by_key(&mut keyed, |k| k.0); // stable: equal keys stay in row order
    let distinct = 1 + keyed.windows(2).filter(|w| w[0].0 != w[1].0).count();
    let mut scores = vec![0u8; values.len()];
    let mut rank = 0usize;
    for (k, &(key, i)) in keyed.iter().enumerate() {
        if k > 0 && key != keyed[k - 1].0 {
            rank += 1;
        }
        let q = 1 + (5 * rank / distinct) as u8;
        scores[i as usize] = if lower_is_better { 6 - q } else { q };
    }
    Ok(scores)
}

/// Quintile scores 1–5 over **customers** ([`RfmBins::Customers`]): a
/// customer with `a` customers of strictly smaller value is in bin
/// `1 + ⌊5a / n⌋` (reversed when lower is better).
fn customer_quintile_scores(field: &str, values: &[f64], lower_is_better: bool) -> Result<Vec<u8>> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(EngError::invalid(field, values[i], "must be a finite number").at_row(i));
    }
    let n = values.len();
    let mut keyed: Vec<(u64, u32)> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (sort_key(v), i as u32))
        .collect();
    radsort::sort_by_key(&mut keyed, |k| k.0);
    let mut scores = vec![0u8; n];
    let mut smaller = 0usize;
    for (k, &(key, i)) in keyed.iter().enumerate() {
        if k > 0 && key != keyed[k - 1].0 {
            smaller = k;
        }
        let bin = 1 + (5 * smaller / n) as u8;
        scores[i as usize] = if lower_is_better { 6 - bin } else { bin };
    }
    Ok(scores)
}

/// One row per customer: a repeated id (an export that was not aggregated,
/// or one aggregated twice) would be scored as two customers.
fn check_unique_customers(customer: &[u64]) -> Result<()> {
    if customer.windows(2).all(|w| w[0] < w[1]) {
        return Ok(());
    }
    let mut sorted = customer.to_vec();
    radsort::sort(&mut sorted);
    match sorted.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(EngError::invalid(
            "customer",
            w[0],
            "appears more than once (RFM takes one row per customer)",
        )
        .at_row(customer.iter().rposition(|&c| c == w[0]).unwrap_or(0))),
        None => Ok(()),
    }
}

/// RFM scores and segments of the given values.
///
/// # Errors
/// - [`EngError::LengthMismatch`] when the columns differ in length;
/// - [`EngError::InvalidInput`] for a NaN, infinite or negative value, or a
///   customer id given twice (row given);
/// - [`EngError::Config`] for an invalid segment table.
///
/// # Examples
///
/// ```
/// use engagement_core::{rfm_scores, RfmConfig, RfmValues};
/// let v = RfmValues {
///     customer: vec![1, 2, 3, 4, 5],
///     recency: vec![1.0, 10.0, 100.0, 200.0, 300.0],
///     frequency: vec![9.0, 5.0, 3.0, 2.0, 1.0],
///     monetary: vec![900.0, 500.0, 300.0, 200.0, 100.0],
/// };
/// let s = rfm_scores(&v, &RfmConfig::default())?;
/// assert_eq!(s.code, [555, 444, 333, 222, 111]);
/// assert_eq!(s.segment_name(0), Some("champions"));
/// assert_eq!(s.segment_name(4), Some("lost"));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn rfm_scores(values: &RfmValues, config: &RfmConfig) -> Result<RfmScores> {
    rfm_scores_checked(values, config)
}

/// RFM scores of every customer of `store` with a purchase by `as_of`: the
/// values ([`RfmValues::from_store`], on `config.monetary`), then the scores
/// ([`rfm_scores`]).
///
/// # Errors
/// As [`RfmValues::from_store`] and [`rfm_scores`].
///
/// # Examples
///
/// ```
/// use engagement_core::{ProfileStore, RfmConfig, SignalConfig, TouchpointColumns, rfm_of_store};
/// let mut store = ProfileStore::new(SignalConfig::default())?;
/// store.push_columns(&TouchpointColumns { customer: &[1, 2], time: &[0, 0], channel: &[1, 1],
///     kind: &[4, 4], value: &[10.0, 20.0], ..Default::default() })?;
/// let s = rfm_of_store(&store, 86_400, &RfmConfig::default())?;
/// assert_eq!(s.customer, [1, 2]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn rfm_of_store(
    store: &ProfileStore,
    as_of: impl IntoTime,
    config: &RfmConfig,
) -> Result<RfmScores> {
    let as_of = as_of.unix_seconds();
    let values = RfmValues::from_store(store, as_of, config.monetary)?;
    rfm_scores_checked(&values, config)
}

fn rfm_scores_checked(values: &RfmValues, config: &RfmConfig) -> Result<RfmScores> {
    let grid = config.grid()?;
    let n = values.customer.len();
    for (field, col) in [
        ("recency", &values.recency),
        ("frequency", &values.frequency),
        ("monetary", &values.monetary),
    ] {
        if col.len() != n {
            return Err(EngError::LengthMismatch {
                field: field.into(),
                expected: n,
                found: col.len(),
            });
        }
        if let Some(i) = col.iter().position(|v| *v < 0.0) {
            return Err(EngError::invalid(field, col[i], "must not be negative").at_row(i));
        }
    }
    check_unique_customers(&values.customer)?;
    let r = config.bins.scores("recency", &values.recency, true)?;
    let f = config.bins.scores("frequency", &values.frequency, false)?;
    let m = config.bins.scores("monetary", &values.monetary, false)?;
    let mut out = RfmScores {
        customer: values.customer.clone(),
        code: Vec::with_capacity(n),
        score: Vec::with_capacity(n),
        segment: Vec::with_capacity(n),
        segment_names: grid.names.clone(),
        bins: config.bins,
        ..Default::default()
    };
    for i in 0..n {
        let fm = (f[i] + m[i]).div_ceil(2);
        out.code
            .push(100 * u16::from(r[i]) + 10 * u16::from(f[i]) + u16::from(m[i]));
        out.score.push(r[i] + f[i] + m[i]);
        out.segment
            .push(grid.cell[usize::from((r[i] - 1) * 5 + (fm - 1))]);
    }
    out.r = r;
    out.f = f;
    out.m = m;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_table_covers_every_cell_with_all_eleven_segments() {
        let grid = RfmConfig::default().grid().unwrap();
        assert_eq!(grid.names.len(), 11);
        assert!(grid.cell.iter().all(|&c| usize::from(c) < 11));
    }

    #[test]
    fn bad_tables_name_the_row_or_cell() {
        let mut cfg = RfmConfig::default();
        cfg.segments[2].r = [0, 2];
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("segments[2].r")
        );
        let cfg = RfmConfig {
            segments: vec![rule("all_but_one", [1, 5], [1, 4])],
            ..RfmConfig::default()
        };
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("R = 1, FM = 5")
        );
        assert!(serde_json::from_str::<RfmConfig>(r#"{"monetary": "median"}"#).is_err());
    }

    #[test]
    fn bad_values() {
        let v = RfmValues {
            customer: vec![1, 2],
            recency: vec![1.0, f64::NAN],
            frequency: vec![1.0, 1.0],
            monetary: vec![1.0, 1.0],
        };
        assert!(matches!(
            rfm_scores(&v, &RfmConfig::default()),
            Err(EngError::InvalidInput { index: Some(1), .. })
        ));
        let v = RfmValues {
            customer: vec![1],
            recency: vec![1.0],
            frequency: vec![1.0],
            monetary: vec![-1.0],
        };
        assert!(matches!(
            rfm_scores(&v, &RfmConfig::default()),
            Err(EngError::InvalidInput { .. })
        ));
        let v = RfmValues {
            customer: vec![1],
            recency: vec![1.0, 2.0],
            frequency: vec![1.0],
            monetary: vec![1.0],
        };
        assert!(matches!(
            rfm_scores(&v, &RfmConfig::default()),
            Err(EngError::LengthMismatch { .. })
        ));
        assert!(
            rfm_scores(&RfmValues::default(), &RfmConfig::default())
                .unwrap()
                .customer
                .is_empty()
        );
    }

    #[test]
    fn sort_key_orders_floats() {
        let xs = [-1e300, -2.0, -0.0, 0.0, 1e-300, 3.0, 1e300];
        for w in xs.windows(2) {
            assert!(sort_key(w[0]) <= sort_key(w[1]), "{w:?}");
        }
        assert_eq!(sort_key(-0.0), sort_key(0.0));
    }

    proptest! {
        /// RFM values from a transaction log equal those from profiles of the same purchases.
        #[test]
        fn prop_transactions_agree_with_profiles(
            rows in proptest::collection::vec((1u64..30, 0i64..1_000_000, 0u32..100_000), 0..5000),
        ) {
            let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
            let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
            let value: Vec<f64> = rows.iter().map(|r| f64::from(r.2) / 100.0).collect();
            let as_of = 2_000_000;
            for basis in [MonetaryBasis::Total, MonetaryBasis::Average] {
                let direct = RfmValues::from_transactions(
                    &crate::transactions::TransactionColumns { customer: &customer, time: &time, value: &value },
                    as_of,
                    basis,
                ).unwrap();
                let store = crate::profile::ProfileStore::from_columns(crate::score::SignalConfig::default(), &crate::model::TouchpointColumns {
                    customer: &customer, time: &time, channel: &vec![1; rows.len()], kind: &vec![4; rows.len()],
                    value: &value, ..Default::default()
                }).unwrap();
                prop_assert_eq!(direct, RfmValues::from_store(&store, as_of, basis).unwrap());
            }
        }

        /// Customer quintiles: each score is its definition (customers of
        /// strictly smaller value, cut into fifths; reversed when lower is
        /// better), equal values share a score, a larger value never scores
        /// lower, without ties every score holds ⌊n/5⌋ or ⌈n/5⌉ customers,
        /// and reordering the rows reorders the scores with them.
        #[test]
        fn prop_customer_quintiles(values in proptest::collection::vec(0u32..40, 1..300), rotate in 0usize..300) {
            let xs: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
            let n = xs.len();
            let s = RfmBins::Customers.scores("x", &xs, false).unwrap();
            let rev = RfmBins::Customers.scores("x", &xs, true).unwrap();
            for i in 0..n {
                let smaller = xs.iter().filter(|&&y| y < xs[i]).count();
                prop_assert_eq!(s[i], 1 + (5 * smaller / n) as u8);
                prop_assert_eq!(rev[i], 6 - s[i]);
                for j in 0..n {
                    if xs[i] < xs[j] {
                        prop_assert!(s[i] <= s[j]);
                    }
                }
            }
            let mut distinct = xs.clone();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            if distinct.len() == n {
                for q in 1..=5u8 {
                    let held = s.iter().filter(|&&v| v == q).count();
                    prop_assert!(held == n / 5 || held == n.div_ceil(5), "score {} holds {} of {}", q, held, n);
                }
            }
            let k = rotate % n;
            let mut moved = xs.clone();
            moved.rotate_left(k);
            let mut expected = s.clone();
            expected.rotate_left(k);
            prop_assert_eq!(RfmBins::Customers.scores("x", &moved, false).unwrap(), expected);
        }

        /// Scores are 1–5, equal values share a score, and each score holds
        /// about a fifth of the distinct values (⌊k/5⌋ or ⌈k/5⌉ of them).
        #[test]
        fn prop_quintiles_balanced_over_distinct_values(values in proptest::collection::vec(0u32..60, 1..300)) {
            let xs: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
            let s = quintile_scores("x", &xs, false).unwrap();
            let mut by_value = std::collections::BTreeMap::new();
            for (x, q) in values.iter().zip(&s) {
                prop_assert!((1..=5).contains(q));
                let prev = by_value.insert(*x, *q);
                prop_assert!(prev.is_none_or(|p| p == *q));
            }
            let k = by_value.len();
            if k >= 5 {
                for q in 1..=5u8 {
                    let held = by_value.values().filter(|&&v| v == q).count();
                    prop_assert!(held == k / 5 || held == k.div_ceil(5), "score {} holds {} of {}", q, held, k);
                }
            }
            // Monotone: a larger value never scores lower.
            let pairs: Vec<_> = by_value.into_iter().collect();
            prop_assert!(pairs.windows(2).all(|w| w[0].1 <= w[1].1));
            let rev = quintile_scores("x", &xs, true).unwrap();
            prop_assert!(rev.iter().zip(&s).all(|(a, b)| a + b == 6));
        }
    }
}
