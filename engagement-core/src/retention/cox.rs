//! Cox proportional hazards: why customers churn, not only how fast.
//!
//! [`cox`] fits `h(t | x) = h₀(t) · exp(βᵀx)` by maximising the partial
//! likelihood (Cox 1972) with Efron's or Breslow's handling of tied times,
//! optionally within strata (one baseline hazard per stratum, shared
//! coefficients) and with robust (sandwich) standard errors, per customer or
//! per cluster (Lin & Wei 1989). Covariates are numeric columns or
//! categorical columns, which enter as one indicator per level but the
//! reference. The fitted [`CoxModel`] carries the coefficients with their
//! hazard ratios and intervals, the likelihood-ratio test, Harrell's
//! concordance, and the baseline survival per stratum; it predicts partial
//! hazards and survival curves for any customer ([`CoxModel::predict`]).
//!
//! Covariates are centred on their means before fitting, as lifelines does:
//! the baseline is the curve of a customer at the mean of every covariate,
//! and partial hazards are `exp(βᵀ(x − x̄))`.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::clv::special::normal_sf;
use crate::error::{EngError, Result};
use crate::score::z_for_level;

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// Efron's approximation (the default, as in lifelines and R): the risk
    /// set shrinks by the tied customers' average weight at each of the
    /// tied events.
    #[default]
    Efron,
    /// Breslow's approximation: every tied event sees the whole risk set.
    Breslow,
}

impl std::str::FromStr for Ties {
    type Err = EngError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "efron" => Ok(Ties::Efron),
            "breslow" => Ok(Ties::Breslow),
            other => Err(EngError::unknown_label("ties", other, ["efron", "breslow"])),
        }
    }
}

/// Settings of a Cox fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoxConfig {
    /// Tied times: Efron (default) or Breslow.
    pub ties: Ties,
    /// Confidence level of the intervals (default 0.95).
    pub level: f64,
    /// Robust (sandwich) standard errors (default false). Always on when
    /// clusters are given.
    pub robust: bool,
    /// Newton iterations allowed (default 50).
    pub max_iterations: u32,
}

impl CoxConfig {
    /// Checks every setting.
    ///
    /// # Errors
    /// [`EngError::Config`] for a `level` outside (0, 1) or `max_iterations`
    /// of 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::retention::survival::CoxConfig;
    /// assert!(CoxConfig::default().validate().is_ok());
    /// assert!(CoxConfig { level: 1.5, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        z_for_level(self.level)?;
        if self.max_iterations == 0 {
            return Err(EngError::config("max_iterations", "must be at least 1"));
        }
        Ok(())
    }
}

impl Default for CoxConfig {
    fn default() -> Self {
        CoxConfig {
            ties: Ties::Efron,
            level: 0.95,
            robust: false,
            max_iterations: 50,
        }
    }
}

/// The names of the covariate columns and the levels of the categorical
/// ones and of the strata: what the columns of codes mean.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoxColumns {
    /// Names of the numeric covariates, in the order of their columns.
    pub numeric: Vec<String>,
    /// The categorical covariates, in the order of their code columns.
    pub categorical: Vec<CategoricalCovariate>,
    /// Labels of the strata codes (empty: no strata).
    pub strata: Vec<String>,
}

impl CoxColumns {
    /// Sets the reference level of categorical covariates by name.
    ///
    /// # Errors
    /// [`EngError::UnknownLabel`] for a name that is no categorical covariate
    /// (listing them) or a level it does not have (listing its levels).
    pub fn with_references<'a>(
        mut self,
        references: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self> {
        for (name, level) in references {
            let names: Vec<String> = self.categorical.iter().map(|c| c.name.clone()).collect();
            let c = self
                .categorical
                .iter_mut()
                .find(|c| c.name == name)
                .ok_or_else(|| EngError::unknown_label("reference", name, names))?;
            c.reference = Some(level.to_owned());
            reference_index(c)?;
        }
        Ok(self)
    }
}

/// A categorical covariate: its name, the label of each code, and the
/// reference level (no indicator of its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoricalCovariate {
    /// The covariate's name.
    pub name: String,
    /// Code `k` means `levels[k]`.
    pub levels: Vec<String>,
    /// The reference level; `None` means the first level.
    #[serde(default)]
    pub reference: Option<String>,
}

/// Covariate columns of `n` customers: numeric columns and categorical code
/// columns in the order [`CoxColumns`] names them, optional strata codes.
#[derive(Debug, Clone, Copy)]
pub struct CoxCovariates<'a> {
    /// One slice of `n` values per numeric covariate.
    pub numeric: &'a [&'a [f64]],
    /// One slice of `n` codes per categorical covariate.
    pub categorical: &'a [&'a [u32]],
    /// The stratum code of each customer, if stratified.
    pub strata: Option<&'a [u32]>,
    /// What the columns are.
    pub columns: &'a CoxColumns,
}

/// One coefficient of a fitted model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxTerm {
    /// `score` for a numeric covariate, `channel[T.web]` for a level.
    pub name: String,
    /// The covariate it belongs to.
    pub covariate: String,
    /// The level it indicates, for a categorical covariate.
    pub level: Option<String>,
    /// `β`: the change of the log hazard per unit (or for the level against
    /// the reference).
    pub coefficient: f64,
    /// Its standard error (robust when the model is).
    pub standard_error: f64,
    /// Lower bound of the coefficient's interval.
    pub ci_low: f64,
    /// Upper bound of the coefficient's interval.
    pub ci_high: f64,
    /// `exp(β)`: the hazard ratio.
    pub hazard_ratio: f64,
    /// Lower bound of the hazard ratio's interval.
    pub hazard_ratio_ci_low: f64,
    /// Upper bound of the hazard ratio's interval.
    pub hazard_ratio_ci_high: f64,
    /// Wald `β / se`.
    pub z: f64,
    /// Two-sided p-value of `z`.
    pub p_value: f64,
    /// The covariate's mean (the share of the level) the model centres on.
    pub mean: f64,
}

/// The baseline of one stratum: the Breslow estimate of the cumulative hazard
/// of a customer at the covariates' means, at each distinct duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxBaseline {
    /// The stratum's label (empty when the model has no strata).
    pub stratum: String,
    /// Distinct durations in the stratum, ascending.
    pub time: Vec<f64>,
    /// Hazard increment at each time.
    pub hazard: Vec<f64>,
    /// Cumulative hazard `H₀(t)`.
    pub cumulative_hazard: Vec<f64>,
    /// Survival `exp(−H₀(t))`.
    pub survival: Vec<f64>,
}

/// The likelihood-ratio test of the fitted model against no covariates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LikelihoodRatio {
    /// `2 (ℓ(β̂) − ℓ(0))`.
    pub statistic: f64,
    /// Degrees of freedom: the number of coefficients.
    pub degrees_of_freedom: u32,
    /// Chi-square p-value.
    pub p_value: f64,
}

/// A fitted Cox proportional hazards model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxModel {
    /// One row per coefficient.
    pub terms: Vec<CoxTerm>,
    /// The covariates the model was fitted on (to read new customers' columns).
    pub columns: CoxColumns,
    /// Ties handling.
    pub ties: Ties,
    /// Whether the standard errors are robust.
    pub robust: bool,
    /// Number of clusters when the robust errors are clustered.
    pub clusters: Option<u64>,
    /// Confidence level.
    pub level: f64,
    /// Customers fitted.
    pub customers: u64,
    /// Observed events.
    pub events: u64,
    /// Partial log-likelihood at the estimate.
    pub log_likelihood: f64,
    /// Partial log-likelihood with every coefficient 0.
    pub null_log_likelihood: f64,
    /// The likelihood-ratio test against the null model.
    pub likelihood_ratio: LikelihoodRatio,
    /// Partial AIC `−2ℓ + 2p`.
    pub aic: f64,
    /// Harrell's concordance of the partial hazards with the durations
    /// (within strata, summed); `None` when no pair of customers is
    /// comparable (no event before another customer's end).
    pub concordance: Option<f64>,
    /// Newton iterations used.
    pub iterations: u32,
    /// Covariance of the coefficients (robust when the model is), row-major
    /// `p × p`.
    pub covariance: Vec<f64>,
    /// The baseline per stratum, in the order of the strata labels.
    pub baseline: Vec<CoxBaseline>,
}

/// Predictions for a set of customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxPrediction {
    /// `βᵀ(x − x̄)` per customer.
    pub linear_predictor: Vec<f64>,
    /// `exp(βᵀ(x − x̄))` per customer: the hazard relative to the baseline.
    pub partial_hazard: Vec<f64>,
    /// The times asked for.
    pub times: Vec<f64>,
    /// Survival per customer at each time, row-major (customers × times).
    pub survival: Vec<f64>,
}

/// Design matrix: centred covariates in the layout's order, column-major
/// (each pass over the customers then reads contiguous runs of one
/// covariate, which vectorise).
struct Design {
    /// `p` columns of `n` values, centred.
    x: Vec<f64>,
    n: usize,
    p: usize,
    means: Vec<f64>,
    terms: Vec<(String, String, Option<String>)>,
}

impl Design {
    fn col(&self, k: usize) -> &[f64] {
        &self.x[k * self.n..(k + 1) * self.n]
    }
}

/// `Σ aᵢbᵢ` in eight running sums (so that it vectorises), added in a
/// fixed order: the same slices give the same bits.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        sum += x * y;
    }
    sum
}

/// `Σ aᵢ`, as [`dot`] adds.
fn total(a: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let ca = a.chunks_exact(8);
    let rest = ca.remainder();
    for x in ca {
        for l in 0..8 {
            acc[l] += x[l];
        }
    }
    let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for x in rest {
        sum += x;
    }
    sum
}

fn reference_index(c: &CategoricalCovariate) -> Result<usize> {
    match &c.reference {
        None => Ok(0),
        Some(r) => c.levels.iter().position(|l| l == r).ok_or_else(|| {
            EngError::unknown_label(
                format!("reference of {}", c.name),
                r.clone(),
                c.levels.clone(),
            )
        }),
    }
}

fn check_columns(columns: &CoxColumns) -> Result<()> {
    let mut names: Vec<&str> = columns.numeric.iter().map(String::as_str).collect();
    names.extend(columns.categorical.iter().map(|c| c.name.as_str()));
    if names.is_empty() {
        return Err(EngError::config(
            "covariates",
            "a Cox model needs at least one covariate (for survival alone use kaplan_meier)",
        ));
    }
    let mut sorted = names.clone();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(EngError::config(
            "covariates",
            format!("covariate {:?} is named twice", w[0]),
        ));
    }
    if names.iter().any(|n| n.is_empty()) {
        return Err(EngError::config(
            "covariates",
            "a covariate has an empty name",
        ));
    }
    for c in &columns.categorical {
        if c.levels.len() < 2 {
            return Err(EngError::config(
                format!("categorical covariate {}", c.name),
                format!("needs at least two levels, got {:?}", c.levels),
            ));
        }
        let mut l: Vec<&String> = c.levels.iter().collect();
        l.sort_unstable();
        if let Some(w) = l.windows(2).find(|w| w[0] == w[1]) {
            return Err(EngError::config(
                format!("categorical covariate {}", c.name),
                format!("level {:?} is listed twice", w[0]),
            ));
        }
        reference_index(c)?;
    }
    let mut s: Vec<&String> = columns.strata.iter().collect();
    s.sort_unstable();
    if let Some(w) = s.windows(2).find(|w| w[0] == w[1]) {
        return Err(EngError::config(
            "strata",
            format!("stratum {:?} is listed twice", w[0]),
        ));
    }
    Ok(())
}

fn check_codes(field: &str, codes: &[u32], levels: usize, n: usize) -> Result<()> {
    if codes.len() != n {
        return Err(EngError::LengthMismatch {
            field: field.into(),
            expected: n,
            found: codes.len(),
        });
    }
    if let Some(i) = codes.iter().position(|&c| c as usize >= levels) {
        return Err(EngError::invalid(
            field,
            codes[i],
            format!(
                "is not a code of its {levels} levels (codes 0 to {})",
                levels - 1
            ),
        )
        .at_row(i));
    }
    Ok(())
}

/// Checks that every covariate column has `n` rows, numeric values are
/// finite and codes name a level.
fn check_values(cov: &CoxCovariates<'_>, n: usize) -> Result<()> {
    for (name, col) in cov.columns.numeric.iter().zip(cov.numeric) {
        if col.len() != n {
            return Err(EngError::LengthMismatch {
                field: name.clone(),
                expected: n,
                found: col.len(),
            });
        }
        if let Some(i) = col.iter().position(|v| !v.is_finite()) {
            return Err(EngError::invalid(name.as_str(), col[i], "must be finite").at_row(i));
        }
    }
    for (c, codes) in cov.columns.categorical.iter().zip(cov.categorical) {
        check_codes(&c.name, codes, c.levels.len(), n)?;
    }
    Ok(())
}

/// Checks the covariate columns against their description and `n` rows.
fn check_covariates(cov: &CoxCovariates<'_>, n: usize) -> Result<()> {
    let columns = cov.columns;
    check_columns(columns)?;
    if cov.numeric.len() != columns.numeric.len() {
        return Err(EngError::LengthMismatch {
            field: "numeric covariate columns".into(),
            expected: columns.numeric.len(),
            found: cov.numeric.len(),
        });
    }
    if cov.categorical.len() != columns.categorical.len() {
        return Err(EngError::LengthMismatch {
            field: "categorical covariate columns".into(),
            expected: columns.categorical.len(),
            found: cov.categorical.len(),
        });
    }
    check_values(cov, n)?;
    match (cov.strata, columns.strata.is_empty()) {
        (Some(s), false) => check_codes("strata", s, columns.strata.len(), n)?,
        (Some(_), true) => {
            return Err(EngError::config(
                "strata",
                "strata codes were given without their labels",
            ));
        }
        (None, false) => {
            return Err(EngError::config(
                "strata",
                "strata labels were given without strata codes",
            ));
        }
        (None, true) => {}
    }
    Ok(())
}

/// Where a design column's values come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Numeric(&'a [f64]),
    /// 1 where the code is the level, else 0.
    Level(&'a [u32], u32),
}

impl Source<'_> {
    fn at(self, i: usize) -> f64 {
        match self {
            Source::Numeric(col) => col[i],
            Source::Level(codes, k) => f64::from(u8::from(codes[i] == k)),
        }
    }

    /// `out[j] = self.at(rows[j])`.
    fn gather(self, rows: &[usize], out: &mut [f64]) {
        match self {
            Source::Numeric(col) => out.iter_mut().zip(rows).for_each(|(o, &i)| *o = col[i]),
            Source::Level(codes, k) => out
                .iter_mut()
                .zip(rows)
                .for_each(|(o, &i)| *o = f64::from(u8::from(codes[i] == k))),
        }
    }

    /// Writes the values from row `first` on into `out`.
    fn fill<'o>(self, first: usize, out: impl Iterator<Item = &'o mut f64>) {
        match self {
            Source::Numeric(col) => out.zip(&col[first..]).for_each(|(o, v)| *o = *v),
            Source::Level(codes, k) => out
                .zip(&codes[first..])
                .for_each(|(o, c)| *o = f64::from(u8::from(*c == k))),
        }
    }
}

/// One step of the hash that orders rows of equal time by their covariates.
fn mix(h: u64, v: f64) -> u64 {
    (h.rotate_left(5) ^ v.to_bits()).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// The design's columns (one per term) and the term names.
#[allow(clippy::type_complexity)]
fn raw_terms<'a>(cov: &CoxCovariates<'a>) -> Vec<(String, String, Option<String>, Source<'a>)> {
    let mut out = Vec::new();
    for (name, col) in cov.columns.numeric.iter().zip(cov.numeric) {
        out.push((name.clone(), name.clone(), None, Source::Numeric(col)));
    }
    for (c, codes) in cov.columns.categorical.iter().zip(cov.categorical) {
        let reference = reference_index(c).unwrap_or(0);
        for (k, level) in c.levels.iter().enumerate().filter(|(k, _)| *k != reference) {
            out.push((
                format!("{}[T.{level}]", c.name),
                c.name.clone(),
                Some(level.clone()),
                Source::Level(codes, k as u32),
            ));
        }
    }
    out
}

/// The design's terms, checked: not identifier-like, not too many, none
/// constant.
#[allow(clippy::type_complexity)]
fn design<'a>(
    cov: &CoxCovariates<'a>,
    n: usize,
) -> Result<Vec<(String, String, Option<String>, Source<'a>)>> {
    for c in &cov.columns.categorical {
        if c.levels.len() > 2 && 2 * c.levels.len() > n {
            return Err(EngError::config(
                format!("categorical covariate {}", c.name),
                format!(
                    "has {} levels for {n} customers: an identifier, not a covariate; drop it",
                    c.levels.len()
                ),
            ));
        }
    }
    let terms = cov.columns.numeric.len()
        + cov
            .columns
            .categorical
            .iter()
            .map(|c| c.levels.len() - 1)
            .sum::<usize>();
    if terms > MAX_TERMS {
        return Err(EngError::config(
            "covariates",
            format!(
                "{terms} coefficients (one per numeric covariate and per level but the reference) are more than the {MAX_TERMS} a fit takes"
            ),
        ));
    }
    let raw = raw_terms(cov);
    for (name, covariate, level, col) in &raw {
        let first = col.at(0);
        if (1..n).all(|i| col.at(i) == first) {
            let what = match level {
                Some(l) if first == 0.0 => format!("level {l:?} of {covariate} never occurs"),
                Some(l) => format!("every customer has level {l:?} of {covariate}"),
                None => format!("{name} is the same ({first}) for every customer"),
            };
            return Err(EngError::config(
                "covariates",
                format!("{what}: its coefficient cannot be estimated; drop it"),
            ));
        }
    }
    Ok(raw)
}

/// The design in the layout's order, centred on means summed in that order
/// (so that nothing depends on the order the rows came in), and the event
/// flags in the same order.
fn prepare(
    duration: &[f64],
    observed: &[bool],
    cov: &CoxCovariates<'_>,
) -> Result<(Design, Layout, Vec<bool>)> {
    let n = duration.len();
    let raw = design(cov, n)?;
    let p = raw.len();
    // A hash of each row's covariates, which orders rows of equal time.
    let mut hash = vec![0u64; n];
    for (_, _, _, src) in &raw {
        hash.par_chunks_mut(CHUNK).enumerate().for_each(|(c, h)| {
            let mut values = [0.0; CHUNK];
            src.fill(c * CHUNK, values.iter_mut().take(h.len()));
            h.iter_mut().zip(values).for_each(|(h, v)| *h = mix(*h, v));
        });
    }
    let lay = layout(
        duration,
        observed,
        cov.strata,
        cov.columns.strata.len(),
        &hash,
    );
    drop(hash);
    // Gathered into the layout's order, one column per covariate.
    let mut x = vec![0.0; n * p];
    x.par_chunks_mut(n.max(1))
        .zip(&raw)
        .for_each(|(col, (_, _, _, src))| src.gather(&lay.order, col));
    let mut means = vec![0.0; p];
    x.par_chunks_mut(n.max(1))
        .zip(means.par_iter_mut())
        .for_each(|(col, mean)| {
            // Two passes, so that the centred column sums to (nearly) zero.
            let mut m = total(col) / n as f64;
            m += col.iter().map(|v| v - m).sum::<f64>() / n as f64;
            col.iter_mut().for_each(|v| *v -= m);
            *mean = m;
        });
    let sorted = lay.order.iter().map(|&r| observed[r]).collect();
    Ok((
        Design {
            x,
            n,
            p,
            means,
            terms: raw.into_iter().map(|(a, b, c, _)| (a, b, c)).collect(),
        },
        lay,
        sorted,
    ))
}

/// Rows sorted by (stratum, time), with the groups of equal time.
struct Layout {
    /// Row indices in (stratum, time, events first, covariates) order.
    order: Vec<usize>,
    /// Per stratum: the range of `groups` it owns.
    strata: Vec<std::ops::Range<usize>>,
    /// Groups of equal (stratum, time): range of positions in `order`, the
    /// events first.
    groups: Vec<Group>,
    /// The group of each position.
    group_of: Vec<u32>,
}

#[derive(Clone)]
struct Group {
    start: usize,
    end: usize,
    time: f64,
    deaths: usize,
}

/// Orders the rows by (stratum, time, events first, a hash of the
/// covariates): a total order on what a row carries, so that every sum runs
/// in the same order whatever order the rows came in. Rows equal in all four
/// are identical (but for a 64-bit hash collision), and the order of
/// identical rows changes no sum.
fn layout(
    duration: &[f64],
    observed: &[bool],
    strata: Option<&[u32]>,
    levels: usize,
    hash: &[u64],
) -> Layout {
    let n = duration.len();
    let s = |i: usize| strata.map_or(0, |s| s[i]);
    // Durations are checked to be finite and ≥ 0, so their bits (+ 0.0 makes
    // −0 into 0) order as the values do, with the top bit free for the
    // censoring flag below them.
    let mut keys: Vec<(u32, u64, u32)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let time = ((duration[i] + 0.0).to_bits() << 1) | u64::from(!observed[i]);
            (s(i), time, i as u32)
        })
        .collect();
    // A radix sort (stable, and only over the bytes that vary), then each
    // run of equal keys by hash.
    radsort::sort_by_key(&mut keys, |k| (k.0, k.1));
    let mut by_hash: Vec<(u64, u32)> = keys.par_iter().map(|k| (hash[k.2 as usize], k.2)).collect();
    {
        let mut runs: Vec<&mut [(u64, u32)]> = Vec::new();
        let mut rest = by_hash.as_mut_slice();
        for run in keys.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (head, tail) = rest.split_at_mut(run.len());
            if head.len() > 1 {
                runs.push(head);
            }
            rest = tail;
        }
        runs.into_par_iter()
            .for_each(|run| run.sort_unstable_by_key(|k| k.0));
    }
    let order: Vec<usize> = by_hash.into_iter().map(|k| k.1 as usize).collect();
    let mut groups = Vec::new();
    let mut ranges = vec![0..0; levels.max(1)];
    let mut start = 0;
    for run in keys.chunk_by(|a, b| (a.0, a.1 >> 1) == (b.0, b.1 >> 1)) {
        let end = start + run.len();
        let stratum = run[0].0 as usize;
        if ranges[stratum].is_empty() {
            ranges[stratum] = groups.len()..groups.len();
        }
        groups.push(Group {
            start,
            end,
            time: duration[run[0].2 as usize],
            deaths: run.iter().filter(|k| k.1 & 1 == 0).count(),
        });
        ranges[stratum].end = groups.len();
        start = end;
    }
    let mut group_of = vec![0u32; n];
    for (gi, grp) in groups.iter().enumerate() {
        group_of[grp.start..grp.end].fill(gi as u32);
    }
    Layout {
        order,
        strata: ranges,
        groups,
        group_of,
    }
}

/// What one evaluation of the partial likelihood gives.
struct Evaluation {
    log_likelihood: f64,
    gradient: Vec<f64>,
    /// Information (negative Hessian), row-major `p × p`.
    information: Vec<f64>,
}

/// Per-group quantities of the risk sets at a given β.
struct RiskSets {
    /// `exp(η − shift)` per row (row index, not position).
    risk: Vec<f64>,
    shift: f64,
    /// Per group: `Σ_l 1/φ_l` (hazard increments of the whole risk set).
    c: Vec<f64>,
    /// Per group: `Σ_l (l/d)/φ_l` (what the tied events' own weight loses).
    e: Vec<f64>,
    /// Per group: `Σ_l x̄_l / φ_l`, row-major `groups × p`.
    b: Vec<f64>,
    /// Per group: `Σ_l (l/d) x̄_l / φ_l`.
    be: Vec<f64>,
    /// Per group: `Σ_l x̄_l`.
    xbar_sum: Vec<f64>,
}

const CHUNK: usize = 8192;

/// Coefficients one fit estimates at most (its information matrix is
/// `p × p` and each step costs `n·p²`).
pub const MAX_TERMS: usize = 1000;

struct Fit<'a> {
    d: &'a Design,
    lay: &'a Layout,
    observed: &'a [bool],
    ties: Ties,
}

impl Fit<'_> {
    fn eta(&self, beta: &[f64]) -> Vec<f64> {
        let mut eta = vec![0.0; self.d.n];
        if beta.iter().all(|b| *b == 0.0) {
            return eta;
        }
        eta.par_chunks_mut(CHUNK).enumerate().for_each(|(c, out)| {
            let lo = c * CHUNK;
            for (k, b) in beta.iter().enumerate() {
                let col = &self.d.col(k)[lo..lo + out.len()];
                out.iter_mut().zip(col).for_each(|(e, v)| *e += b * v);
            }
        });
        eta
    }

    /// Walks every stratum's groups from the latest time back, building the
    /// risk sets, and returns the per-group sums and, when asked, the
    /// log-likelihood, gradient and the second term of the information.
    fn risk_sets(&self, beta: &[f64], second: bool) -> (RiskSets, f64, Vec<f64>, Vec<f64>) {
        let p = self.d.p;
        let eta = self.eta(beta);
        let shift = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let risk: Vec<f64> = eta.par_iter().map(|e| (e - shift).exp()).collect();
        let groups = &self.lay.groups;
        let g = groups.len();
        // Each group's own sums, in parallel: Σ r, Σ r x over its rows; Σ r,
        // Σ r x, Σ x, Σ η over its events (which come first in the group).
        let mut own = vec![[0.0; 3]; g];
        let (mut own1, mut own_d1, mut own_x) =
            (vec![0.0; g * p], vec![0.0; g * p], vec![0.0; g * p]);
        own.par_iter_mut()
            .zip(own1.par_chunks_mut(p.max(1)))
            .zip(own_d1.par_chunks_mut(p.max(1)))
            .zip(own_x.par_chunks_mut(p.max(1)))
            .zip(groups.par_iter())
            .for_each(|((((o, s1), d1), gx), grp)| {
                let (events, rest) = (
                    grp.start..grp.start + grp.deaths,
                    grp.start + grp.deaths..grp.end,
                );
                let d0 = total(&risk[events.clone()]);
                *o = [
                    d0 + total(&risk[rest.clone()]),
                    d0,
                    total(&eta[events.clone()]),
                ];
                for k in 0..p {
                    let col = self.d.col(k);
                    d1[k] = dot(&risk[events.clone()], &col[events.clone()]);
                    s1[k] = d1[k] + dot(&risk[rest.clone()], &col[rest.clone()]);
                    gx[k] = total(&col[events.clone()]);
                }
            });
        // The risk set of each group: Σ r and Σ r x over its stratum's rows
        // at or after its time.
        let (mut s0, mut s1) = (vec![0.0; g], vec![0.0; g * p]);
        for range in &self.lay.strata {
            let (mut a0, mut a1) = (0.0, vec![0.0; p]);
            for gi in range.clone().rev() {
                a0 += own[gi][0];
                a1.iter_mut()
                    .zip(&own1[gi * p..(gi + 1) * p])
                    .for_each(|(s, v)| *s += v);
                s0[gi] = a0;
                s1[gi * p..(gi + 1) * p].copy_from_slice(&a1);
            }
        }
        drop(own1);
        let (mut c, mut e) = (vec![0.0; g], vec![0.0; g]);
        let (mut b, mut be, mut xbar_sum) = (vec![0.0; g * p], vec![0.0; g * p], vec![0.0; g * p]);
        // Each group's Efron steps, in parallel over fixed blocks of groups
        // (so that the sums do not depend on the thread count): the
        // log-likelihood, gradient and information terms, added block by
        // block in order.
        const BLOCK: usize = 256;
        let info_len = if second { p * p } else { 0 };
        let parts: Vec<(f64, Vec<f64>, Vec<f64>)> = c
            .par_chunks_mut(BLOCK)
            .zip(e.par_chunks_mut(BLOCK))
            .zip(b.par_chunks_mut(BLOCK * p.max(1)))
            .zip(be.par_chunks_mut(BLOCK * p.max(1)))
            .zip(xbar_sum.par_chunks_mut(BLOCK * p.max(1)))
            .enumerate()
            .map(|(block, ((((c, e), b), be), xbar_sum))| {
                let mut ll = 0.0;
                let mut grad = vec![0.0; p];
                let mut info2 = vec![0.0; info_len];
                for j in 0..c.len() {
                    let gi = block * BLOCK + j;
                    let deaths = groups[gi].deaths;
                    if deaths == 0 {
                        continue;
                    }
                    let [_, d0, eta_sum] = own[gi];
                    let s0 = s0[gi];
                    let s1 = &s1[gi * p..(gi + 1) * p];
                    let d1 = &own_d1[gi * p..(gi + 1) * p];
                    // Efron's steps l = 0..d with f = l/d and φ_l = S0 − f D0;
                    // the mean covariate of step l is x̄_l = (S1 − f D1)/φ_l,
                    // so every sum over the steps is S1 and D1 weighted by
                    // scalar sums.
                    let (mut a0, mut a1, mut b0, mut b1, mut b2) = (0.0, 0.0, 0.0, 0.0, 0.0);
                    for l in 0..deaths {
                        let f = match self.ties {
                            Ties::Efron => l as f64 / deaths as f64,
                            Ties::Breslow => 0.0,
                        };
                        let phi = s0 - f * d0;
                        ll -= phi.ln() + shift;
                        let inv = 1.0 / phi;
                        (a0, a1) = (a0 + inv, a1 + f * inv);
                        (b0, b1, b2) = (b0 + inv * inv, b1 + f * inv * inv, b2 + f * f * inv * inv);
                    }
                    ll += eta_sum;
                    (c[j], e[j]) = (a0, a1);
                    for k in 0..p {
                        let sum = s1[k] * a0 - d1[k] * a1;
                        xbar_sum[j * p + k] = sum;
                        grad[k] += own_x[gi * p + k] - sum;
                        b[j * p + k] = s1[k] * b0 - d1[k] * b1;
                        be[j * p + k] = s1[k] * b1 - d1[k] * b2;
                    }
                    if second {
                        // Σ_l x̄_l x̄_lᵀ = S1S1ᵀ·Σ1/φ² − (S1D1ᵀ + D1S1ᵀ)·Σf/φ² + D1D1ᵀ·Σf²/φ².
                        for k in 0..p {
                            for m in 0..=k {
                                info2[k * p + m] += s1[k] * s1[m] * b0
                                    - (s1[k] * d1[m] + d1[k] * s1[m]) * b1
                                    + d1[k] * d1[m] * b2;
                            }
                        }
                    }
                }
                (ll, grad, info2)
            })
            .collect();
        let mut ll = 0.0;
        let mut grad = vec![0.0; p];
        let mut info2 = vec![0.0; info_len];
        for (l, gr, i2) in &parts {
            ll += l;
            grad.iter_mut().zip(gr).for_each(|(a, v)| *a += v);
            info2.iter_mut().zip(i2).for_each(|(a, v)| *a += v);
        }
        (
            RiskSets {
                risk,
                shift,
                c,
                e,
                b,
                be,
                xbar_sum,
            },
            ll,
            grad,
            info2,
        )
    }

    fn evaluate(&self, beta: &[f64]) -> (Evaluation, RiskSets) {
        let (n, p) = (self.d.n, self.d.p);
        let (sets, ll, gradient, info2) = self.risk_sets(beta, true);
        // First term of the information: Σ_t Σ_l (S2 − f D2)/φ_l, gathered
        // per row as r_j (C(T_j) − δ_j e(T_j)) x_j x_jᵀ with C the cumulative
        // Σ_l 1/φ_l over the stratum's groups up to T_j.
        let mut cum = vec![0.0; sets.c.len()];
        for range in &self.lay.strata {
            let mut total = 0.0;
            for gi in range.clone() {
                total += sets.c[gi];
                cum[gi] = total;
            }
        }
        // Per fixed block of rows: the weights, then each product of two
        // columns as a dot product over the block.
        const ROWS: usize = 2048;
        let parts: Vec<Vec<f64>> = (0..n.div_ceil(ROWS))
            .into_par_iter()
            .map(|block| {
                let rows = block * ROWS..(n).min((block + 1) * ROWS);
                let weight: Vec<f64> = rows
                    .clone()
                    .map(|row| {
                        let gi = self.lay.group_of[row] as usize;
                        let own = if self.observed[row] { sets.e[gi] } else { 0.0 };
                        sets.risk[row] * (cum[gi] - own)
                    })
                    .collect();
                let mut acc = vec![0.0; p * p];
                let mut wx = vec![0.0; weight.len()];
                for k in 0..p {
                    let xk = &self.d.col(k)[rows.clone()];
                    wx.iter_mut()
                        .zip(weight.iter().zip(xk))
                        .for_each(|(o, (w, v))| *o = w * v);
                    for m in 0..=k {
                        acc[k * p + m] = dot(&wx, &self.d.col(m)[rows.clone()]);
                    }
                }
                acc
            })
            .collect();
        let mut information = vec![0.0; p * p];
        for part in &parts {
            for (a, v) in information.iter_mut().zip(part) {
                *a += v;
            }
        }
        for (a, v) in information.iter_mut().zip(&info2) {
            *a -= v;
        }
        for k in 0..p {
            for m in 0..k {
                information[m * p + k] = information[k * p + m];
            }
        }
        (
            Evaluation {
                log_likelihood: ll,
                gradient,
                information,
            },
            sets,
        )
    }

    /// Score residuals per row (row-major `n × p`, rows in the layout's
    /// order) at the risk sets given.
    fn score_residuals(&self, sets: &RiskSets) -> Vec<f64> {
        let (n, p) = (self.d.n, self.d.p);
        let mut out = vec![0.0; n * p];
        let mut bsum = vec![0.0; p];
        for range in &self.lay.strata {
            // The cumulative hazard increments and their x̄-weighted sums
            // before the current time, within the stratum.
            let mut a = 0.0;
            bsum.iter_mut().for_each(|v| *v = 0.0);
            for gi in range.clone() {
                let grp = &self.lay.groups[gi];
                let d = grp.deaths as f64;
                for row in grp.start..grp.end {
                    let r = sets.risk[row];
                    let res = &mut out[row * p..(row + 1) * p];
                    if self.observed[row] {
                        let aa = a + sets.c[gi] - sets.e[gi];
                        for k in 0..p {
                            let x = self.d.x[k * n + row];
                            let bb = bsum[k] + sets.b[gi * p + k] - sets.be[gi * p + k];
                            res[k] = x - sets.xbar_sum[gi * p + k] / d - r * (x * aa - bb);
                        }
                    } else {
                        let aa = a + sets.c[gi];
                        for k in 0..p {
                            let x = self.d.x[k * n + row];
                            let bb = bsum[k] + sets.b[gi * p + k];
                            res[k] = -r * (x * aa - bb);
                        }
                    }
                }
                a += sets.c[gi];
                bsum.iter_mut()
                    .zip(&sets.b[gi * p..(gi + 1) * p])
                    .for_each(|(s, b)| *s += b);
            }
        }
        out
    }
}

/// Cholesky factor of a row-major `p × p` matrix, or the first pivot at
/// which it is not positive definite.
fn cholesky(m: &[f64], p: usize) -> std::result::Result<Vec<f64>, usize> {
    let mut l = vec![0.0; p * p];
    for j in 0..p {
        let d = m[j * p + j] - (0..j).map(|k| l[j * p + k] * l[j * p + k]).sum::<f64>();
        if !(d.is_finite() && d > 0.0) {
            return Err(j);
        }
        l[j * p + j] = d.sqrt();
        for i in j + 1..p {
            l[i * p + j] = (m[i * p + j]
                - (0..j).map(|k| l[i * p + k] * l[j * p + k]).sum::<f64>())
                / l[j * p + j];
        }
    }
    Ok(l)
}

fn solve(l: &[f64], p: usize, g: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; p];
    for r in 0..p {
        y[r] = (g[r] - (0..r).map(|k| l[r * p + k] * y[k]).sum::<f64>()) / l[r * p + r];
    }
    let mut x = vec![0.0; p];
    for r in (0..p).rev() {
        x[r] = (y[r] - (r + 1..p).map(|k| l[k * p + r] * x[k]).sum::<f64>()) / l[r * p + r];
    }
    x
}

fn inverse(l: &[f64], p: usize) -> Vec<f64> {
    let mut inv = vec![0.0; p * p];
    for j in 0..p {
        let mut e = vec![0.0; p];
        e[j] = 1.0;
        let col = solve(l, p, &e);
        for i in 0..p {
            inv[i * p + j] = col[i];
        }
    }
    inv
}

/// The refusal of a fit whose likelihood keeps rising as `term`'s coefficient
/// grows (monotone likelihood, Heinze & Schemper 2001).
fn separated(term: &str, iterations: u32) -> EngError {
    EngError::Convergence {
        iterations: u64::from(iterations),
        reason: format!(
            "the coefficient of {term} grows without bound: the events separate on it (every customer on one side churns first); drop or merge it"
        ),
    }
}

/// Harrell's concordance: over pairs where the earlier duration is an event
/// (or both end together, one an event and one censored), the share where the
/// earlier one has the higher partial hazard, ties in the hazard counting one
/// half; within each stratum, summed.
///
/// Counted by merge sort: in the stratum's rows ordered by time (events
/// before censored rows at one time, and events of one time by hazard), the
/// pairs are exactly "an event before any later row", less the pairs of
/// events at one time, which the hazard order within the time makes ties or
/// nothing.
fn concordance(observed: &[bool], lay: &Layout, eta: &[f64]) -> Option<f64> {
    let (mut concordant, mut tied, mut pairs) = (0u128, 0u128, 0u128);
    for range in &lay.strata {
        if range.is_empty() {
            continue;
        }
        let (lo, hi) = (lay.groups[range.start].start, lay.groups[range.end - 1].end);
        let mut seq: Vec<(f64, bool)> = (lo..hi).map(|r| (eta[r] + 0.0, observed[r])).collect();
        // The events of each time (first in their group) by hazard, and the
        // pairs among them with equal hazards.
        let mut events: Vec<&mut [(f64, bool)]> = Vec::new();
        let mut rest = seq.as_mut_slice();
        for grp in &lay.groups[range.clone()] {
            let (head, tail) = rest.split_at_mut(grp.end - grp.start);
            events.push(&mut head[..grp.deaths]);
            rest = tail;
            // Each event against every later row (events of one time are not
            // comparable with each other).
            pairs += grp.deaths as u128 * (hi - grp.start - grp.deaths) as u128;
        }
        let same_time_ties: u128 = events
            .into_par_iter()
            .map(|run| {
                run.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
                run.chunk_by(|x, y| x.0 == y.0)
                    .map(|r| r.len() as u128 * (r.len() as u128 - 1) / 2)
                    .sum::<u128>()
            })
            .sum();
        let mut buffer = vec![(0.0, false); seq.len()];
        let (greater, equal) = count_pairs(&mut seq, &mut buffer, false);
        concordant += u128::from(greater);
        tied += u128::from(equal) - same_time_ties;
    }
    (pairs > 0).then(|| (concordant as f64 + 0.5 * tied as f64) / pairs as f64)
}

/// A row's linear predictor and whether it is an event.
type Hazard = (f64, bool);

/// Over pairs `i < j` of `a` with `i` an event: how many have
/// `hazard_i > hazard_j`, and how many equal hazards. Leaves `a`'s rows
/// sorted by hazard in `b` when `into_b`, else in `a` (a merge sort that
/// counts as it merges, the two buffers taking turns).
fn count_pairs(a: &mut [Hazard], b: &mut [Hazard], into_b: bool) -> (u64, u64) {
    let n = a.len();
    if n <= 16 {
        // Few enough to count pair by pair, then sort.
        let (mut greater, mut equal) = (0u64, 0u64);
        for (i, x) in a.iter().enumerate().filter(|(_, x)| x.1) {
            for y in &a[i + 1..] {
                greater += u64::from(x.0 > y.0);
                equal += u64::from(x.0 == y.0);
            }
        }
        let out = if into_b {
            b.copy_from_slice(a);
            b
        } else {
            a
        };
        out.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
        return (greater, equal);
    }
    let mid = n / 2;
    let ((g1, e1), (g2, e2)) = {
        // The halves sort into the buffer this merge reads from.
        let (al, ar) = a.split_at_mut(mid);
        let (bl, br) = b.split_at_mut(mid);
        if n > 1 << 15 {
            rayon::join(
                || count_pairs(al, bl, !into_b),
                || count_pairs(ar, br, !into_b),
            )
        } else {
            (count_pairs(al, bl, !into_b), count_pairs(ar, br, !into_b))
        }
    };
    let (src, dst): (&[Hazard], &mut [Hazard]) = if into_b { (a, b) } else { (b, a) };
    let (left, right) = src.split_at(mid);
    let events_left = left.iter().filter(|x| x.1).count() as u64;
    // Merging takes the left row first among equals, so when a right row is
    // taken every left row up to its hazard has gone; `below` follows the
    // left rows strictly below it.
    let (mut i, mut j, mut upto_events) = (0, 0, 0u64);
    let (mut below, mut below_events) = (0, 0u64);
    let (mut greater, mut equal) = (0u64, 0u64);
    for slot in dst.iter_mut() {
        if j >= right.len() || (i < left.len() && left[i].0 <= right[j].0) {
            *slot = left[i];
            upto_events += u64::from(left[i].1);
            i += 1;
        } else {
            let r = right[j];
            while below < i && left[below].0 < r.0 {
                below_events += u64::from(left[below].1);
                below += 1;
            }
            greater += events_left - upto_events;
            equal += upto_events - below_events;
            *slot = r;
            j += 1;
        }
    }
    (g1 + g2 + greater, e1 + e2 + equal)
}

/// Fits a Cox proportional hazards model.
///
/// `duration[i]` is how long customer `i` was followed (to churn when
/// `observed[i]`, else to the end of observation); `covariates` carries the
/// covariate columns; `clusters`, when given, makes the standard errors
/// robust per cluster (for customers who appear on several rows).
///
/// Newton–Raphson from zero on the exact gradient and information, halving
/// steps that lower the likelihood, until the Newton decrement is below
/// 1e-16 of the customers' count, then one last Newton step.
///
/// # Errors
/// [`EngError::LengthMismatch`] for columns of other lengths;
/// [`EngError::EmptyInput`] without customers or without any event;
/// [`EngError::InvalidInput`] for a negative or non-finite duration, a
/// non-finite covariate or a code without a level; [`EngError::Config`] for
/// no covariate, a covariate named twice, a constant covariate or a level no
/// one has, collinear covariates, or a bad level;
/// [`EngError::UnknownLabel`] for a reference that is not a level;
/// [`EngError::Convergence`] when a coefficient grows without bound (past 15
/// standard deviations of its covariate: the events separate on it), the
/// hazards overflow, or the iterations run out.
///
/// # Examples
///
/// ```
/// use engagement_core::retention::survival::{cox, CoxColumns, CoxConfig, CoxCovariates};
/// // Customers with a higher score churn later.
/// let duration = [5.0, 8.0, 3.0, 9.0, 12.0, 2.0, 7.0, 10.0];
/// let observed = [true, true, true, false, true, true, true, false];
/// let score = [2.0, 3.0, 1.0, 5.0, 4.0, 1.5, 3.5, 2.5];
/// let columns = CoxColumns { numeric: vec!["score".into()], ..Default::default() };
/// let cov = CoxCovariates { numeric: &[&score], categorical: &[], strata: None, columns: &columns };
/// let model = cox(&duration, &observed, &cov, None, &CoxConfig::default())?;
/// assert!(model.terms[0].hazard_ratio < 1.0);
/// assert!(model.concordance.unwrap() > 0.5);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn cox(
    duration: &[f64],
    observed: &[bool],
    covariates: &CoxCovariates<'_>,
    clusters: Option<&[u64]>,
    config: &CoxConfig,
) -> Result<CoxModel> {
    config.validate()?;
    let z = z_for_level(config.level)?;
    let n = duration.len();
    crate::limits::check_rows("duration", n)?;
    if observed.len() != n {
        return Err(EngError::LengthMismatch {
            field: "observed".into(),
            expected: n,
            found: observed.len(),
        });
    }
    if let Some(c) = clusters
        && c.len() != n
    {
        return Err(EngError::LengthMismatch {
            field: "clusters".into(),
            expected: n,
            found: c.len(),
        });
    }
    check_covariates(covariates, n)?;
    if n == 0 {
        return Err(EngError::EmptyInput {
            what: "a Cox model".into(),
            unit: "customer".into(),
        });
    }
    if let Some(i) = duration.iter().position(|d| !(d.is_finite() && *d >= 0.0)) {
        return Err(
            EngError::invalid("duration", duration[i], "must be finite and >= 0").at_row(i),
        );
    }
    let events = observed.iter().filter(|&&o| o).count();
    if events == 0 {
        return Err(EngError::EmptyInput {
            what: "a Cox model".into(),
            unit: "observed event".into(),
        });
    }
    let (d, lay, sorted_observed) = prepare(duration, observed, covariates)?;
    let p = d.p;
    let fit = Fit {
        d: &d,
        lay: &lay,
        observed: &sorted_observed,
        ties: config.ties,
    };

    let mut beta = vec![0.0; p];
    let (mut current, mut sets) = fit.evaluate(&beta);
    let null_ll = current.log_likelihood;
    // Each covariate's spread, to measure coefficients in.
    let scale: Vec<f64> = (0..p)
        .map(|k| (dot(d.col(k), d.col(k)) / n as f64).sqrt())
        .collect();
    let mut iterations = 0;
    loop {
        let l = match cholesky(&current.information, p) {
            Ok(l) => l,
            Err(j) if iterations == 0 => {
                return Err(EngError::config(
                    "covariates",
                    format!(
                        "{} is a linear combination of {} (collinear covariates): drop it",
                        d.terms[j].0,
                        if j == 0 {
                            "nothing (it has no variance among the customers at risk)".to_string()
                        } else {
                            d.terms[..j]
                                .iter()
                                .map(|t| t.0.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                ));
            }
            Err(_) => {
                // The information vanished along a coefficient that ran away.
                let j = (0..p)
                    .max_by(|&a, &b| {
                        (beta[a] * scale[a])
                            .abs()
                            .total_cmp(&(beta[b] * scale[b]).abs())
                    })
                    .unwrap_or(0);
                return Err(separated(&d.terms[j].0, iterations));
            }
        };
        let step = solve(&l, p, &current.gradient);
        let decrement: f64 = step.iter().zip(&current.gradient).map(|(s, g)| s * g).sum();
        if decrement <= 1e-16 * n as f64 {
            // Converged: the last Newton step lands within about its square
            // of the optimum.
            if step.iter().any(|s| *s != 0.0) {
                beta.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
                (current, sets) = fit.evaluate(&beta);
            }
            break;
        }
        if iterations >= config.max_iterations {
            return Err(EngError::Convergence {
                iterations: u64::from(iterations),
                reason: format!("the Newton decrement is still {decrement:.3e}"),
            });
        }
        iterations += 1;
        let mut t = 1.0;
        loop {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + t * s).collect();
            let (next, next_sets) = fit.evaluate(&candidate);
            if next.log_likelihood.is_finite()
                && next.log_likelihood
                    >= current.log_likelihood - 1e-12 * current.log_likelihood.abs()
            {
                beta = candidate;
                current = next;
                sets = next_sets;
                break;
            }
            t /= 2.0;
            if t < 1e-10 {
                return Err(EngError::Convergence {
                    iterations: u64::from(iterations),
                    reason: "no step along the Newton direction raises the likelihood".into(),
                });
            }
        }
        // A coefficient worth e^15 (3 million) per standard deviation: no real
        // effect; the likelihood keeps rising as it grows (monotone
        // likelihood, Heinze & Schemper 2001).
        if let Some(j) = (0..p).find(|&j| (beta[j] * scale[j]).abs() > 15.0) {
            return Err(separated(&d.terms[j].0, iterations));
        }
    }
    // The coefficient furthest out, in standard deviations of its covariate.
    let largest = (0..p)
        .max_by(|&a, &b| {
            (beta[a] * scale[a])
                .abs()
                .total_cmp(&(beta[b] * scale[b]).abs())
        })
        .unwrap_or(0);
    let far_out = (beta[largest] * scale[largest]).abs() > 5.0;
    let l = match cholesky(&current.information, p) {
        Ok(l) => l,
        // The likelihood flattened out along a coefficient that ran away.
        Err(_) if far_out => return Err(separated(&d.terms[largest].0, iterations)),
        Err(j) => {
            return Err(EngError::config(
                "covariates",
                format!(
                    "the information matrix is singular at the estimate (at {})",
                    d.terms[j].0
                ),
            ));
        }
    };
    let naive = inverse(&l, p);
    let robust = config.robust || clusters.is_some();
    let (covariance, cluster_count) = if robust {
        let res = fit.score_residuals(&sets);
        let (meat, count) = match clusters {
            None => {
                let mut meat = vec![0.0; p * p];
                for r in res.chunks(p) {
                    for k in 0..p {
                        for m in 0..p {
                            meat[k * p + m] += r[k] * r[m];
                        }
                    }
                }
                (meat, None)
            }
            Some(ids) => {
                let mut by: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
                for (pos, &row) in lay.order.iter().enumerate() {
                    let acc = by.entry(ids[row]).or_insert_with(|| vec![0.0; p]);
                    for k in 0..p {
                        acc[k] += res[pos * p + k];
                    }
                }
                let mut meat = vec![0.0; p * p];
                for r in by.values() {
                    for k in 0..p {
                        for m in 0..p {
                            meat[k * p + m] += r[k] * r[m];
                        }
                    }
                }
                (meat, Some(by.len() as u64))
            }
        };
        let mut tmp = vec![0.0; p * p];
        let mut out = vec![0.0; p * p];
        for i in 0..p {
            for j in 0..p {
                tmp[i * p + j] = (0..p).map(|k| naive[i * p + k] * meat[k * p + j]).sum();
            }
        }
        for i in 0..p {
            for j in 0..p {
                out[i * p + j] = (0..p).map(|k| tmp[i * p + k] * naive[k * p + j]).sum();
            }
        }
        (out, count)
    } else {
        (naive, None)
    };

    let terms: Vec<CoxTerm> = d
        .terms
        .iter()
        .enumerate()
        .map(|(j, (name, covariate, level))| {
            let (b, se) = (beta[j], covariance[j * p + j].sqrt());
            let zv = b / se;
            CoxTerm {
                name: name.clone(),
                covariate: covariate.clone(),
                level: level.clone(),
                coefficient: b,
                standard_error: se,
                ci_low: b - z * se,
                ci_high: b + z * se,
                hazard_ratio: b.exp(),
                hazard_ratio_ci_low: (b - z * se).exp(),
                hazard_ratio_ci_high: (b + z * se).exp(),
                z: zv,
                p_value: (2.0 * normal_sf(zv.abs())).min(1.0),
                mean: d.means[j],
            }
        })
        .collect();

    // Breslow's baseline hazard at the means: events / Σ_risk exp(βᵀ(x − x̄)).
    let labels: Vec<String> = if covariates.columns.strata.is_empty() {
        vec![String::new()]
    } else {
        covariates.columns.strata.clone()
    };
    let baseline: Vec<CoxBaseline> = labels
        .iter()
        .zip(&lay.strata)
        .map(|(label, range)| {
            let groups = &lay.groups[range.clone()];
            let mut hazard = vec![0.0; groups.len()];
            let mut s0 = 0.0;
            for (k, grp) in groups.iter().enumerate().rev() {
                s0 += sets.risk[grp.start..grp.end].iter().sum::<f64>();
                hazard[k] = grp.deaths as f64 / s0 * (-sets.shift).exp();
            }
            let mut cum = 0.0;
            let cumulative_hazard: Vec<f64> = hazard
                .iter()
                .map(|h| {
                    cum += h;
                    cum
                })
                .collect();
            CoxBaseline {
                stratum: label.clone(),
                time: groups.iter().map(|g| g.time).collect(),
                survival: cumulative_hazard.iter().map(|h| (-h).exp()).collect(),
                hazard,
                cumulative_hazard,
            }
        })
        .collect();

    let eta = fit.eta(&beta);
    let statistic = (2.0 * (current.log_likelihood - null_ll)).max(0.0);
    let chi =
        ChiSquared::new(p as f64).map_err(|e| EngError::config("covariates", e.to_string()))?;
    let finite = terms.iter().all(|t: &CoxTerm| {
        [
            t.coefficient,
            t.standard_error,
            t.hazard_ratio,
            t.hazard_ratio_ci_low,
            t.hazard_ratio_ci_high,
        ]
        .iter()
        .all(|v| v.is_finite())
    }) && baseline
        .iter()
        .all(|b: &CoxBaseline| b.cumulative_hazard.iter().all(|h| h.is_finite()));
    let positive = terms.iter().all(|t| t.standard_error > 0.0);
    if finite && !positive && robust {
        return Err(EngError::config(
            "robust",
            "a robust standard error is zero: too few customers (or clusters) to estimate the sandwich; use the model-based errors",
        ));
    }
    if !finite && far_out {
        return Err(separated(&d.terms[largest].0, iterations));
    }
    if !(finite && positive) {
        return Err(EngError::Convergence {
            iterations: u64::from(iterations),
            reason: "the hazard ratios or the baseline overflow double precision (partial hazards that differ by more than e^700): rescale the covariates".into(),
        });
    }
    Ok(CoxModel {
        terms,
        columns: covariates.columns.clone(),
        ties: config.ties,
        robust,
        clusters: cluster_count,
        level: config.level,
        customers: n as u64,
        events: events as u64,
        log_likelihood: current.log_likelihood,
        null_log_likelihood: null_ll,
        likelihood_ratio: LikelihoodRatio {
            statistic,
            degrees_of_freedom: p as u32,
            p_value: chi.sf(statistic),
        },
        aic: -2.0 * current.log_likelihood + 2.0 * p as f64,
        concordance: concordance(&sorted_observed, &lay, &eta),
        iterations,
        covariance,
        baseline,
    })
}

impl CoxModel {
    /// Partial hazards and survival curves at `times` for the customers whose
    /// covariate columns are given (the same covariates as the fit, by name;
    /// categorical codes refer to `covariates.columns`' levels, which may be
    /// listed in another order or be a subset of the model's).
    ///
    /// # Errors
    /// [`EngError::Config`] when a covariate of the model is missing;
    /// [`EngError::UnknownLabel`] for a level or stratum the model was not
    /// fitted on; [`EngError::InvalidInput`] for non-finite values or times;
    /// [`EngError::LengthMismatch`] for columns of other lengths.
    pub fn predict(&self, covariates: &CoxCovariates<'_>, times: &[f64]) -> Result<CoxPrediction> {
        let cols = covariates.columns;
        let n = covariates
            .numeric
            .first()
            .map(|c| c.len())
            .or_else(|| covariates.categorical.first().map(|c| c.len()))
            .unwrap_or(0);
        if cols.numeric.len() != covariates.numeric.len()
            || cols.categorical.len() != covariates.categorical.len()
        {
            return Err(EngError::LengthMismatch {
                field: "covariate columns".into(),
                expected: cols.numeric.len() + cols.categorical.len(),
                found: covariates.numeric.len() + covariates.categorical.len(),
            });
        }
        check_values(covariates, n)?;
        if let Some(i) = times.iter().position(|t| !t.is_finite()) {
            return Err(EngError::invalid("times", times[i], "must be finite").at_row(i));
        }
        let mut eta = vec![0.0; n];
        for term in &self.terms {
            let b = term.coefficient;
            match &term.level {
                None => {
                    let k = cols
                        .numeric
                        .iter()
                        .position(|c| *c == term.covariate)
                        .ok_or_else(|| {
                            EngError::config(
                                "covariates",
                                format!(
                                    "numeric covariate {:?} of the model is missing",
                                    term.covariate
                                ),
                            )
                        })?;
                    for (e, v) in eta.iter_mut().zip(covariates.numeric[k]) {
                        *e += b * (v - term.mean);
                    }
                }
                Some(level) => {
                    let k = cols
                        .categorical
                        .iter()
                        .position(|c| c.name == term.covariate)
                        .ok_or_else(|| {
                            EngError::config(
                                "covariates",
                                format!(
                                    "categorical covariate {:?} of the model is missing",
                                    term.covariate
                                ),
                            )
                        })?;
                    let code = cols.categorical[k]
                        .levels
                        .iter()
                        .position(|l| l == level)
                        .map(|c| c as u32);
                    for (e, &v) in eta.iter_mut().zip(covariates.categorical[k]) {
                        let x = f64::from(u8::from(Some(v) == code));
                        *e += b * (x - term.mean);
                    }
                }
            }
        }
        // Every level used must be one the model knows.
        for (c, codes) in cols.categorical.iter().zip(covariates.categorical) {
            let Some(model) = self.columns.categorical.iter().find(|m| m.name == c.name) else {
                continue;
            };
            for (i, &code) in codes.iter().enumerate() {
                let level = &c.levels[code as usize];
                if !model.levels.contains(level) {
                    return Err(EngError::unknown_label(
                        c.name.as_str(),
                        level.as_str(),
                        model.levels.clone(),
                    )
                    .at_row(i));
                }
            }
        }
        let baseline_of: Vec<usize> = if self.columns.strata.is_empty() {
            if covariates.strata.is_some() {
                return Err(EngError::config(
                    "strata",
                    "the model has no strata: predict without them",
                ));
            }
            vec![0; n]
        } else {
            let codes = covariates.strata.ok_or_else(|| {
                EngError::config(
                    "strata",
                    "the model is stratified: every customer needs a stratum",
                )
            })?;
            check_codes("strata", codes, cols.strata.len(), n)?;
            let map: Vec<Result<usize>> = cols
                .strata
                .iter()
                .map(|s| {
                    self.columns
                        .strata
                        .iter()
                        .position(|m| m == s)
                        .ok_or_else(|| {
                            EngError::unknown_label(
                                "strata",
                                s.as_str(),
                                self.columns.strata.clone(),
                            )
                        })
                })
                .collect();
            codes
                .iter()
                .map(|&c| map[c as usize].clone())
                .collect::<Result<_>>()?
        };
        let partial_hazard: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
        // H₀ at each time, per baseline.
        let h_at: Vec<Vec<f64>> = self
            .baseline
            .iter()
            .map(|b| {
                times
                    .iter()
                    .map(|&t| {
                        let k = b.time.partition_point(|&u| u <= t);
                        if k == 0 {
                            0.0
                        } else {
                            b.cumulative_hazard[k - 1]
                        }
                    })
                    .collect()
            })
            .collect();
        let mut survival = Vec::with_capacity(n * times.len());
        for i in 0..n {
            for h in &h_at[baseline_of[i]] {
                survival.push((-h * partial_hazard[i]).exp());
            }
        }
        Ok(CoxPrediction {
            linear_predictor: eta,
            partial_hazard,
            times: times.to_vec(),
            survival,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &[&str]) -> CoxColumns {
        CoxColumns {
            numeric: names.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    /// A small data set with ties, two covariates and a categorical one.
    #[allow(clippy::type_complexity)]
    fn data() -> (Vec<f64>, Vec<bool>, Vec<f64>, Vec<f64>, Vec<u32>) {
        let n = 60;
        let d: Vec<f64> = (0..n).map(|i| f64::from((i * 7 + 3) % 13 + 1)).collect();
        let e: Vec<bool> = (0..n).map(|i| i % 4 != 0).collect();
        let a: Vec<f64> = (0..n).map(|i| f64::from((i * 5) % 11) / 3.0).collect();
        let b: Vec<f64> = (0..n).map(|i| f64::from((i * 3) % 7) - 2.0).collect();
        let c: Vec<u32> = (0..n).map(|i| (i as u32 * 11) % 3).collect();
        (d, e, a, b, c)
    }

    #[test]
    fn gradient_vanishes_and_score_residuals_sum_to_it() {
        let (d, e, a, b, c) = data();
        for ties in [Ties::Efron, Ties::Breslow] {
            let cols = CoxColumns {
                numeric: vec!["a".into(), "b".into()],
                categorical: vec![CategoricalCovariate {
                    name: "c".into(),
                    levels: vec!["x".into(), "y".into(), "z".into()],
                    reference: None,
                }],
                strata: vec![],
            };
            let cov = CoxCovariates {
                numeric: &[&a, &b],
                categorical: &[&c],
                strata: None,
                columns: &cols,
            };
            let config = CoxConfig {
                ties,
                robust: true,
                ..Default::default()
            };
            let model = cox(&d, &e, &cov, None, &config).unwrap();
            let (des, lay, e) = prepare(&d, &e, &cov).unwrap();
            let fit = Fit {
                d: &des,
                lay: &lay,
                observed: &e,
                ties,
            };
            let beta: Vec<f64> = model.terms.iter().map(|t| t.coefficient).collect();
            let (ev, _) = fit.evaluate(&beta);
            assert!(
                ev.gradient.iter().all(|g| g.abs() < 1e-10),
                "{:?}",
                ev.gradient
            );
            // The score residuals sum to the gradient at any β.
            let other: Vec<f64> = beta.iter().map(|b| b + 0.3).collect();
            let (ev, sets2) = fit.evaluate(&other);
            let res = fit.score_residuals(&sets2);
            for k in 0..des.p {
                let s: f64 = res.iter().skip(k).step_by(des.p).sum();
                assert!(
                    (s - ev.gradient[k]).abs() < 1e-10,
                    "{s} vs {}",
                    ev.gradient[k]
                );
            }
        }
    }

    #[test]
    fn information_is_the_negative_hessian_by_finite_differences() {
        let (d, e, a, b, _) = data();
        let cols = columns(&["a", "b"]);
        let cov = CoxCovariates {
            numeric: &[&a, &b],
            categorical: &[],
            strata: None,
            columns: &cols,
        };
        for ties in [Ties::Efron, Ties::Breslow] {
            let (des, lay, e) = prepare(&d, &e, &cov).unwrap();
            let fit = Fit {
                d: &des,
                lay: &lay,
                observed: &e,
                ties,
            };
            let beta = [0.2, -0.1];
            let (ev, _) = fit.evaluate(&beta);
            let h = 1e-6;
            for k in 0..2 {
                let mut up = beta;
                up[k] += h;
                let mut dn = beta;
                dn[k] -= h;
                let (u, _) = fit.evaluate(&up);
                let (v, _) = fit.evaluate(&dn);
                let fd_grad = (u.log_likelihood - v.log_likelihood) / (2.0 * h);
                assert!((fd_grad - ev.gradient[k]).abs() < 1e-6);
                for m in 0..2 {
                    let fd = -(u.gradient[m] - v.gradient[m]) / (2.0 * h);
                    assert!(
                        (fd - ev.information[k * 2 + m]).abs() < 1e-5,
                        "{fd} {}",
                        ev.information[k * 2 + m]
                    );
                }
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_row_order() {
        let (d, e, a, b, c) = data();
        let cols = CoxColumns {
            numeric: vec!["a".into(), "b".into()],
            categorical: vec![],
            strata: vec!["s0".into(), "s1".into(), "s2".into()],
        };
        let fit = |d: &[f64], e: &[bool], a: &[f64], b: &[f64], s: &[u32]| {
            let cov = CoxCovariates {
                numeric: &[a, b],
                categorical: &[],
                strata: Some(s),
                columns: &cols,
            };
            cox(
                d,
                e,
                &cov,
                None,
                &CoxConfig {
                    robust: true,
                    ..Default::default()
                },
            )
            .unwrap()
        };
        let one = fit(&d, &e, &a, &b, &c);
        let perm: Vec<usize> = (0..d.len()).rev().collect();
        let pick = |v: &[f64]| perm.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let two = fit(
            &pick(&d),
            &perm.iter().map(|&i| e[i]).collect::<Vec<_>>(),
            &pick(&a),
            &pick(&b),
            &perm.iter().map(|&i| c[i]).collect::<Vec<_>>(),
        );
        assert_eq!(one, two);
    }

    #[test]
    fn separation_and_constant_columns_are_refused() {
        let d = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let e = [true; 6];
        let x = [6.0, 5.0, 4.0, 3.0, 2.0, 1.0];
        let cols = columns(&["x"]);
        let cov = CoxCovariates {
            numeric: &[&x],
            categorical: &[],
            strata: None,
            columns: &cols,
        };
        let err = cox(&d, &e, &cov, None, &CoxConfig::default()).unwrap_err();
        assert!(err.to_string().contains("grows without bound"), "{err}");
        let k = [1.0; 6];
        let cov = CoxCovariates {
            numeric: &[&k],
            categorical: &[],
            strata: None,
            columns: &cols,
        };
        let err = cox(&d, &e, &cov, None, &CoxConfig::default()).unwrap_err();
        assert!(
            err.to_string().contains("same (1) for every customer"),
            "{err}"
        );
        let twice = CoxColumns {
            numeric: vec!["x".into()],
            categorical: vec![CategoricalCovariate {
                name: "x".into(),
                levels: vec!["a".into(), "b".into()],
                reference: None,
            }],
            strata: vec![],
        };
        let codes = [0u32, 1, 0, 1, 0, 1];
        let cov = CoxCovariates {
            numeric: &[&x],
            categorical: &[&codes],
            strata: None,
            columns: &twice,
        };
        let err = cox(&d, &e, &cov, None, &CoxConfig::default()).unwrap_err();
        assert!(err.to_string().contains("named twice"), "{err}");
        let err = CoxColumns::default()
            .with_references([("x", "a")])
            .unwrap_err();
        assert!(matches!(err, EngError::UnknownLabel { .. }), "{err}");
    }

    #[test]
    fn concordance_counts_pairs_as_harrell_defines_them() {
        // Brute force over pairs against the tree.
        let (d, e, a, _, _) = data();
        let cols = columns(&["a"]);
        let cov = CoxCovariates {
            numeric: &[&a],
            categorical: &[],
            strata: None,
            columns: &cols,
        };
        let (_, lay, sorted) = prepare(&d, &e, &cov).unwrap();
        let eta: Vec<f64> = a.iter().map(|v| (v * 0.7).round()).collect();
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..d.len() {
            for j in 0..d.len() {
                let comparable = e[i] && (d[i] < d[j] || (d[i] == d[j] && !e[j]));
                if comparable {
                    den += 1.0;
                    num += if eta[i] > eta[j] {
                        1.0
                    } else if eta[i] == eta[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        let eta_sorted: Vec<f64> = lay.order.iter().map(|&r| eta[r]).collect();
        assert!((concordance(&sorted, &lay, &eta_sorted).unwrap() - num / den).abs() < 1e-15);
    }
}
#[cfg(test)]
mod pair_tests {
    #[test]
    fn count_pairs_equals_brute_force() {
        let seq: Vec<(f64, bool)> = (0..300u32)
            .map(|i| (f64::from((i * 7) % 5), i % 3 != 0))
            .collect();
        let (mut g, mut e) = (0u64, 0u64);
        for i in 0..seq.len() {
            for j in i + 1..seq.len() {
                if seq[i].1 {
                    g += u64::from(seq[i].0 > seq[j].0);
                    e += u64::from(seq[i].0 == seq[j].0);
                }
            }
        }
        for into_b in [false, true] {
            let mut s = seq.clone();
            let mut b = vec![(0.0, false); seq.len()];
            assert_eq!(super::count_pairs(&mut s, &mut b, into_b), (g, e));
            let sorted = if into_b { b } else { s };
            assert!(sorted.is_sorted_by(|x, y| x.0 <= y.0));
        }
    }
}
