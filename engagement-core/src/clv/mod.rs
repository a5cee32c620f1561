//! Probabilistic customer lifetime value: BG/NBD, modified BG/NBD, Pareto/NBD
//! and Gamma-Gamma.
//!
//! Models are fitted by maximum likelihood to the per-customer summary of the
//! CLV literature (`x` repeat purchases, recency `t_x`, age `T`; see
//! [`crate::transactions`]). Distinct `(x, t_x, T)` rows are fitted once with
//! their multiplicity as a weight, so a million customers cost what their
//! distinct rows cost. Parameters are optimized on the log scale with
//! Nelder–Mead (the `argmin` crate).

pub mod bg_nbd;
pub mod fit;
pub mod gamma_gamma;
pub mod mbg_nbd;
pub mod pareto_nbd;
pub mod sbg;
pub mod special;

use serde::{Deserialize, Serialize};

use crate::clv::fit::FitOptions;
use crate::error::{EngError, Result};

/// A fitted model as data: the serde form names the model and its
/// parameters, so a model fitted in one language loads in another.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::{ClvModel, bg_nbd::BgNbdParams};
/// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
/// let json = serde_json::to_string(&m)?;
/// assert_eq!(json, r#"{"model":"bg_nbd","r":0.243,"alpha":4.414,"a":0.793,"b":2.426}"#);
/// assert_eq!(serde_json::from_str::<ClvModel>(&json)?, m);
/// assert!(serde_json::from_str::<ClvModel>(r#"{"model":"bg_nbd","r":1}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum ClvModel {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    BgNbd(bg_nbd::BgNbdParams),
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    ParetoNbd(pareto_nbd::ParetoNbdParams),
    /// Modified BG/NBD (Batislam, Denizel & Filiztekin 2007).
    MbgNbd(mbg_nbd::MbgNbdParams),
    /// Gamma-Gamma spend model (Fader & Hardie 2013).
    GammaGamma(gamma_gamma::GammaGammaParams),
    /// Shifted-beta-geometric contractual retention (Fader & Hardie 2007).
    Sbg(sbg::SbgParams),
}

/// Distinct `(x, t_x, T)` rows with their counts: the input of the
/// purchase-count models.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::RepeatSummary;
/// let s = RepeatSummary::from_columns(&[0.0, 2.0, 0.0], &[0.0, 5.0, 0.0], &[10.0, 10.0, 10.0])?;
/// assert_eq!(s.len(), 2);           // (0, 0, 10) twice, (2, 5, 10) once
/// assert_eq!(s.customers(), 3.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepeatSummary {
    /// Repeat purchases.
    pub x: Vec<f64>,
    /// Time of the last purchase since the first.
    pub t_x: Vec<f64>,
    /// Time since the first purchase.
    pub t: Vec<f64>,
    /// Number of customers with this row.
    pub weight: Vec<f64>,
}

impl RepeatSummary {
    /// Groups per-customer columns into distinct rows.
    ///
    /// # Errors
    /// [`EngError::LengthMismatch`]; [`EngError::InvalidInput`] (with the row)
    /// unless `x` is a whole number ≥ 0, `0 ≤ t_x ≤ T`, `T > 0`, and
    /// `t_x = 0` when `x = 0`; [`EngError::EmptyInput`] for no rows.
    pub fn from_columns(frequency: &[f64], recency: &[f64], t: &[f64]) -> Result<Self> {
        let n = frequency.len();
        check_lengths(n, &[("recency", recency.len()), ("T", t.len())])?;
        if n == 0 {
            return Err(EngError::EmptyInput {
                what: "a model fit".into(),
                unit: "customer".into(),
            });
        }
        let mut rows: Vec<(u64, u64, u64)> = Vec::with_capacity(n);
        for i in 0..n {
            let (x, tx, big_t) = (frequency[i], recency[i], t[i]);
            check_history(i, x, tx, big_t)?;
            rows.push((x.to_bits(), tx.to_bits(), big_t.to_bits()));
        }
        rows.sort_unstable();
        let mut out = RepeatSummary::default();
        for r in rows {
            let row = (
                f64::from_bits(r.0),
                f64::from_bits(r.1),
                f64::from_bits(r.2),
            );
            match (out.x.last(), out.t_x.last(), out.t.last()) {
                (Some(&x), Some(&tx), Some(&tt)) if (x, tx, tt) == row => {
                    if let Some(w) = out.weight.last_mut() {
                        *w += 1.0;
                    }
                }
                _ => {
                    out.x.push(row.0);
                    out.t_x.push(row.1);
                    out.t.push(row.2);
                    out.weight.push(1.0);
                }
            }
        }
        Ok(out)
    }

    /// Number of distinct rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::RepeatSummary;
    /// assert_eq!(RepeatSummary::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when there are no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::RepeatSummary;
    /// assert!(RepeatSummary::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Number of customers (the sum of the weights).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::RepeatSummary;
    /// let s = RepeatSummary::from_columns(&[1.0, 1.0], &[2.0, 2.0], &[4.0, 4.0])?;
    /// assert_eq!((s.len(), s.customers()), (1, 2.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn customers(&self) -> f64 {
        self.weight.iter().sum()
    }
}

fn check_lengths(n: usize, others: &[(&str, usize)]) -> Result<()> {
    for &(field, len) in others {
        if len != n {
            return Err(EngError::LengthMismatch {
                field: field.into(),
                expected: n,
                found: len,
            });
        }
    }
    Ok(())
}

/// One customer's `(x, t_x, T)`: `x` a whole number ≥ 0, `0 ≤ t_x ≤ T`,
/// `T > 0`, `t_x = 0` when `x = 0`.
fn check_history(i: usize, x: f64, tx: f64, big_t: f64) -> Result<()> {
    let bad = |field: &str, v: f64, why: &str| EngError::invalid(field, v, why).at_row(i);
    if !(x.is_finite() && x >= 0.0 && x.fract() == 0.0) {
        return Err(bad("frequency", x, "must be a whole number >= 0"));
    }
    if !(big_t.is_finite() && big_t > 0.0) {
        return Err(bad("T", big_t, "must be finite and > 0"));
    }
    if !(tx.is_finite() && (0.0..=big_t).contains(&tx)) {
        return Err(bad("recency", tx, "must lie in 0..=T"));
    }
    if x == 0.0 && tx != 0.0 {
        return Err(bad("recency", tx, "must be 0 when frequency is 0"));
    }
    Ok(())
}

/// Which model to fit: the `model` tag of [`ClvModel`].
///
/// # Examples
///
/// ```
/// use engagement_core::clv::ClvModelKind;
/// assert_eq!("pareto_nbd".parse::<ClvModelKind>()?, ClvModelKind::ParetoNbd);
/// assert!("bgnbd".parse::<ClvModelKind>().is_err());
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClvModelKind {
    /// BG/NBD.
    BgNbd,
    /// Pareto/NBD.
    ParetoNbd,
    /// Modified BG/NBD.
    MbgNbd,
    /// Gamma-Gamma.
    GammaGamma,
    /// Shifted-beta-geometric (fitted with [`ClvModel::fit_retention`]).
    Sbg,
}

impl ClvModelKind {
    /// The label: `bg_nbd`, `mbg_nbd`, `pareto_nbd` or `gamma_gamma`.
    pub fn label(self) -> &'static str {
        match self {
            ClvModelKind::BgNbd => "bg_nbd",
            ClvModelKind::ParetoNbd => "pareto_nbd",
            ClvModelKind::MbgNbd => "mbg_nbd",
            ClvModelKind::GammaGamma => "gamma_gamma",
            ClvModelKind::Sbg => "sbg",
        }
    }
}

impl std::str::FromStr for ClvModelKind {
    type Err = EngError;

    fn from_str(s: &str) -> Result<Self> {
        [
            ClvModelKind::BgNbd,
            ClvModelKind::ParetoNbd,
            ClvModelKind::MbgNbd,
            ClvModelKind::GammaGamma,
            ClvModelKind::Sbg,
        ]
        .into_iter()
        .find(|k| k.label() == s)
        .ok_or_else(|| EngError::UnknownLabel {
            field: "model".into(),
            label: s.into(),
        })
    }
}

/// Per-customer columns for fitting or predicting: the purchase models use
/// `frequency`, `recency` and `t`; Gamma-Gamma uses `frequency` and
/// `monetary_value` (mean repeat-transaction value).
#[derive(Debug, Clone, Copy, Default)]
pub struct ClvColumns<'a> {
    /// Repeat purchases `x`.
    pub frequency: &'a [f64],
    /// Time of the last purchase since the first, `t_x`.
    pub recency: Option<&'a [f64]>,
    /// Age since the first purchase, `T`.
    pub t: Option<&'a [f64]>,
    /// Mean value of the repeat transactions.
    pub monetary_value: Option<&'a [f64]>,
}

impl<'a> ClvColumns<'a> {
    fn history(&self, kind: ClvModelKind) -> Result<(&'a [f64], &'a [f64])> {
        let need = |c: Option<&'a [f64]>, name: &str| {
            c.ok_or_else(|| {
                EngError::config(
                    name,
                    format!("the {} model needs this column", kind.label()),
                )
            })
        };
        let (r, t) = (need(self.recency, "recency")?, need(self.t, "T")?);
        check_lengths(
            self.frequency.len(),
            &[("recency", r.len()), ("T", t.len())],
        )?;
        Ok((r, t))
    }
}

/// A fitted model and how the fit went (the serde form of
/// [`fit::FitReport`] for any model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClvFit {
    /// The fitted model.
    pub model: ClvModel,
    /// Log-likelihood at the fitted parameters (without any penalty).
    pub log_likelihood: f64,
    /// Optimiser iterations used.
    pub iterations: u64,
    /// Number of customers fitted.
    pub customers: f64,
    /// Standard errors of the parameters in the model's order (`r, alpha, a,
    /// b` …; see [`fit::standard_errors`]), or `None` when the observed
    /// information is not positive definite.
    pub standard_errors: Option<Vec<f64>>,
}

impl ClvModel {
    /// Which model this is.
    pub fn kind(&self) -> ClvModelKind {
        match self {
            ClvModel::BgNbd(_) => ClvModelKind::BgNbd,
            ClvModel::ParetoNbd(_) => ClvModelKind::ParetoNbd,
            ClvModel::MbgNbd(_) => ClvModelKind::MbgNbd,
            ClvModel::GammaGamma(_) => ClvModelKind::GammaGamma,
            ClvModel::Sbg(_) => ClvModelKind::Sbg,
        }
    }

    /// Fits a model of `kind` by maximum likelihood: one entry point for
    /// every model (the C and Python faces call this).
    ///
    /// # Errors
    /// [`EngError::Config`] for a column the model needs but `columns` lacks or
    /// bad options; the errors of the model's own `fit`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, ClvModelKind, fit::FitOptions};
    /// let cols = ClvColumns {
    ///     frequency: &[0.0, 1.0, 3.0, 0.0, 2.0],
    ///     recency: Some(&[0.0, 2.0, 9.0, 0.0, 4.0]),
    ///     t: Some(&[10.0, 10.0, 10.0, 8.0, 6.0]),
    ///     monetary_value: None,
    /// };
    /// let fit = ClvModel::fit(ClvModelKind::BgNbd, &cols, &FitOptions::default())?;
    /// assert_eq!(fit.model.kind(), ClvModelKind::BgNbd);
    /// assert_eq!(fit.customers, 5.0);
    /// assert!(ClvModel::fit(ClvModelKind::GammaGamma, &cols, &FitOptions::default()).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit(
        kind: ClvModelKind,
        columns: &ClvColumns<'_>,
        options: &FitOptions,
    ) -> Result<ClvFit> {
        options.validate()?;
        match kind {
            ClvModelKind::BgNbd | ClvModelKind::ParetoNbd | ClvModelKind::MbgNbd => {
                let (r, t) = columns.history(kind)?;
                let data = RepeatSummary::from_columns(columns.frequency, r, t)?;
                match kind {
                    ClvModelKind::BgNbd => {
                        let f = bg_nbd::BgNbdParams::fit(&data, options)?;
                        Ok(ClvFit::from_report(ClvModel::BgNbd(f.params), &f))
                    }
                    ClvModelKind::MbgNbd => {
                        let f = mbg_nbd::MbgNbdParams::fit(&data, options)?;
                        Ok(ClvFit::from_report(ClvModel::MbgNbd(f.params), &f))
                    }
                    _ => {
                        let f = pareto_nbd::ParetoNbdParams::fit(&data, options)?;
                        Ok(ClvFit::from_report(ClvModel::ParetoNbd(f.params), &f))
                    }
                }
            }
            ClvModelKind::GammaGamma => {
                let m = columns.monetary_value.ok_or_else(|| {
                    EngError::config("monetary_value", "the gamma_gamma model needs this column")
                })?;
                let f = gamma_gamma::GammaGammaParams::fit(columns.frequency, m, options)?;
                Ok(ClvFit::from_report(ClvModel::GammaGamma(f.params), &f))
            }
            ClvModelKind::Sbg => Err(EngError::config(
                "model",
                "sbg fits a cohort's survivor counts: use fit_retention",
            )),
        }
    }

    fn purchase_model(&self, what: &str) -> Result<()> {
        match self {
            ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => Err(EngError::config(
                "model",
                format!(
                    "{what} needs a purchase model (bg_nbd, mbg_nbd or pareto_nbd), not {}",
                    self.kind().label()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Fits the shifted-beta-geometric model to a cohort's survivor counts
    /// (`alive[0]` at the start, `alive[t]` still subscribed after period `t`).
    ///
    /// # Errors
    /// As [`sbg::SbgParams::fit`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, fit::FitOptions};
    /// let fit = ClvModel::fit_retention(&[1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0], &FitOptions::default())?;
    /// let s = fit.model.survival(&[0.0, 7.0])?;
    /// assert!((s[0] - 1.0).abs() < 1e-12 && (s[1] - 0.491).abs() < 0.01);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit_retention(alive: &[f64], options: &FitOptions) -> Result<ClvFit> {
        let f = sbg::SbgParams::fit(alive, options)?;
        Ok(ClvFit::from_report(ClvModel::Sbg(f.params), &f))
    }

    fn retention_model(&self, what: &str) -> Result<sbg::SbgParams> {
        match self {
            ClvModel::Sbg(p) => Ok(*p),
            _ => Err(EngError::config(
                "model",
                format!("{what} needs sbg, not {}", self.kind().label()),
            )),
        }
    }

    /// Share of a cohort still subscribed after each `t` periods (sBG).
    ///
    /// # Errors
    /// [`EngError::Config`] for another model; [`EngError::InvalidInput`] (with the row).
    pub fn survival(&self, t: &[f64]) -> Result<Vec<f64>> {
        let p = self.retention_model("survival")?;
        t.iter()
            .enumerate()
            .map(|(i, &ti)| p.survival(ti).map_err(|e| e.at_row(i)))
            .collect()
    }

    /// Retention rate of each period `t ≥ 1` (sBG).
    ///
    /// # Errors
    /// [`EngError::Config`] for another model; [`EngError::InvalidInput`] (with the row).
    pub fn retention_rate(&self, t: &[f64]) -> Result<Vec<f64>> {
        let p = self.retention_model("the retention rate")?;
        t.iter()
            .enumerate()
            .map(|(i, &ti)| p.retention_rate(ti).map_err(|e| e.at_row(i)))
            .collect()
    }

    /// P(alive) at `T` for every customer.
    ///
    /// # Errors
    /// [`EngError::Config`] for Gamma-Gamma or a missing column;
    /// [`EngError::InvalidInput`] (with the row) for a bad history.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, bg_nbd::BgNbdParams};
    /// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// let cols = ClvColumns { frequency: &[0.0, 2.0], recency: Some(&[0.0, 30.43]), t: Some(&[38.86, 38.86]), monetary_value: None };
    /// let p = m.p_alive(&cols)?;
    /// assert_eq!(p[0], 1.0);
    /// assert!(p[1] > 0.0 && p[1] < 1.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn p_alive(&self, columns: &ClvColumns<'_>) -> Result<Vec<f64>> {
        self.purchase_model("P(alive)")?;
        let (r, t) = columns.history(self.kind())?;
        self.per_history(columns.frequency, r, t, |x, tx, big_t| match self {
            ClvModel::BgNbd(p) => p.p_alive(x, tx, big_t),
            ClvModel::ParetoNbd(p) => p.p_alive(x, tx, big_t),
            ClvModel::MbgNbd(p) => p.p_alive(x, tx, big_t),
            ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => unreachable_model(),
        })
    }

    /// Expected purchases of each customer in the next `horizon` time units.
    ///
    /// # Errors
    /// As [`p_alive`](Self::p_alive); [`EngError::InvalidInput`] for a
    /// negative or non-finite horizon.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, bg_nbd::BgNbdParams};
    /// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// let cols = ClvColumns { frequency: &[2.0], recency: Some(&[30.43]), t: Some(&[38.86]), monetary_value: None };
    /// let e = m.conditional_expected_purchases(39.0, &cols)?;
    /// assert!((e[0] - 1.226).abs() < 5e-4);   // Fader, Hardie & Lee (2005)
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn conditional_expected_purchases(
        &self,
        horizon: f64,
        columns: &ClvColumns<'_>,
    ) -> Result<Vec<f64>> {
        self.purchase_model("conditional expected purchases")?;
        let (r, t) = columns.history(self.kind())?;
        self.per_history(columns.frequency, r, t, |x, tx, big_t| match self {
            ClvModel::BgNbd(p) => p.conditional_expected_purchases(horizon, x, tx, big_t),
            ClvModel::ParetoNbd(p) => p.conditional_expected_purchases(horizon, x, tx, big_t),
            ClvModel::MbgNbd(p) => p.conditional_expected_purchases(horizon, x, tx, big_t),
            ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => unreachable_model(),
        })
    }

    /// Expected purchases of a new customer in `(0, t]`, for every `t`.
    ///
    /// # Errors
    /// [`EngError::Config`] for Gamma-Gamma; [`EngError::InvalidInput`] (with
    /// the row) for a negative or non-finite `t`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, pareto_nbd::ParetoNbdParams};
    /// let m = ClvModel::ParetoNbd(ParetoNbdParams { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 });
    /// let e = m.expected_purchases_new(&[0.0, 39.0, 78.0])?;
    /// assert!(e[0] == 0.0 && e[0] < e[1] && e[1] < e[2]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn expected_purchases_new(&self, t: &[f64]) -> Result<Vec<f64>> {
        self.purchase_model("expected purchases of a new customer")?;
        t.iter()
            .enumerate()
            .map(|(i, &ti)| {
                match self {
                    ClvModel::BgNbd(p) => p.expected_purchases_new(ti),
                    ClvModel::ParetoNbd(p) => p.expected_purchases_new(ti),
                    ClvModel::MbgNbd(p) => p.expected_purchases_new(ti),
                    ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => unreachable_model(),
                }
                .map_err(|e| e.at_row(i))
            })
            .collect()
    }

    /// Expected mean transaction value of each customer (Gamma-Gamma).
    ///
    /// # Errors
    /// [`EngError::Config`] for a purchase model or a missing
    /// `monetary_value` column; the errors of
    /// [`GammaGammaParams::expected_spend`](gamma_gamma::GammaGammaParams::expected_spend)
    /// with the row.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, gamma_gamma::GammaGammaParams};
    /// let m = ClvModel::GammaGamma(GammaGammaParams { p: 6.25, q: 3.74, gamma: 15.44 });
    /// let cols = ClvColumns { frequency: &[0.0, 4.0], monetary_value: Some(&[0.0, 50.0]), ..Default::default() };
    /// let e = m.expected_spend(&cols)?;
    /// assert!((e[0] - 15.44 * 6.25 / 2.74).abs() < 1e-9);   // x = 0: the population mean γp/(q−1)
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn expected_spend(&self, columns: &ClvColumns<'_>) -> Result<Vec<f64>> {
        let ClvModel::GammaGamma(g) = self else {
            return Err(EngError::config(
                "model",
                format!(
                    "expected spend needs gamma_gamma, not {}",
                    self.kind().label()
                ),
            ));
        };
        let m = columns.monetary_value.ok_or_else(|| {
            EngError::config("monetary_value", "the gamma_gamma model needs this column")
        })?;
        check_lengths(columns.frequency.len(), &[("monetary_value", m.len())])?;
        columns
            .frequency
            .iter()
            .zip(m)
            .enumerate()
            .map(|(i, (&x, &mi))| g.expected_spend(x, mi).map_err(|e| e.at_row(i)))
            .collect()
    }

    fn per_history(
        &self,
        x: &[f64],
        r: &[f64],
        t: &[f64],
        f: impl Fn(f64, f64, f64) -> Result<f64>,
    ) -> Result<Vec<f64>> {
        (0..x.len())
            .map(|i| {
                check_history(i, x[i], r[i], t[i])?;
                f(x[i], r[i], t[i]).map_err(|e| e.at_row(i))
            })
            .collect()
    }
}

/// Reached only when a guard above was skipped: an error, never a panic.
fn unreachable_model() -> Result<f64> {
    Err(EngError::config("model", "not a purchase model"))
}

impl ClvFit {
    fn from_report<P>(model: ClvModel, r: &fit::FitReport<P>) -> ClvFit {
        ClvFit {
            model,
            log_likelihood: r.log_likelihood,
            iterations: r.iterations,
            customers: r.customers,
            standard_errors: r.standard_errors.clone(),
        }
    }
}
