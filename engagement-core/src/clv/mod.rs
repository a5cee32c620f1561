//! Probabilistic customer lifetime value: BG/NBD, modified BG/NBD, Pareto/NBD,
//! BG/BB (discrete time), Gamma-Gamma spend and shifted-beta-geometric
//! retention.
//!
//! Models are fitted by maximum likelihood to the per-customer summary of the
//! CLV literature (`x` repeat purchases, recency `t_x`, age `T`; see
//! [`crate::transactions`]). Distinct `(x, t_x, T)` rows are fitted once with
//! their multiplicity as a weight, so a million customers cost what their
//! distinct rows cost. Parameters are optimized on the log scale (the
//! `argmin` crate, see [`fit`]): Newton steps in a trust region with analytic
//! Hessians for BG/NBD, modified BG/NBD, Pareto/NBD and Gamma-Gamma; L-BFGS
//! with analytic gradients for BG/BB and the shifted-beta-geometric model and
//! whenever the Newton steps stop short; Nelder–Mead when L-BFGS does.

pub mod bg_bb;
pub mod bg_nbd;
pub mod diagnostics;
pub mod fit;
pub mod gamma_gamma;
pub mod horizon;
pub mod mbg_nbd;
pub mod pareto_nbd;
pub mod sbg;
pub mod simulate;
pub mod special;

use serde::{Deserialize, Serialize};

pub use crate::clv::fit::FitOptions;
use crate::error::{EngError, Result, ensure_config};
use crate::transactions::Period;

pub use horizon::{DAYS_PER_MONTH, DEFAULT_HORIZON, Horizon};

/// The most terms a BG/BB frequency × recency grid may sum (each cell sums
/// one per opportunity after its last purchase): about two seconds of work.
pub const MAX_BG_BB_GRID_TERMS: f64 = 2e7;

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
    /// BG/BB discrete-time repeat purchasing (Fader, Hardie & Shang 2010).
    BgBb(bg_bb::BgBbParams),
}

/// A model and the time unit of the data it describes (`None`: unknown).
/// Its JSON form is the model's with a `"unit"` key when the unit is known,
/// so model JSON without one still loads, as a model of unknown unit.
/// Fitting records [`FitOptions::unit`](fit::FitOptions::unit); calendar
/// horizons of [`discounted_value`](Self::discounted_value) convert with it.
/// It dereferences to its [`ClvModel`] for every other prediction.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::{ClvModel, ModelWithUnit, bg_nbd::BgNbdParams};
/// use engagement_core::transactions::Period;
/// let m = ModelWithUnit {
///     model: ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }),
///     unit: Some(Period::Week),
/// };
/// let json = serde_json::to_string(&m)?;
/// assert_eq!(json, r#"{"model":"bg_nbd","r":0.243,"alpha":4.414,"a":0.793,"b":2.426,"unit":"week"}"#);
/// assert_eq!(serde_json::from_str::<ModelWithUnit>(&json)?, m);
/// let old: ModelWithUnit = serde_json::from_str(r#"{"model":"bg_nbd","r":0.243,"alpha":4.414,"a":0.793,"b":2.426}"#)?;
/// assert_eq!(old.unit, None);
/// assert!(serde_json::from_str::<ModelWithUnit>(r#"{"model":"bg_nbd","r":1,"alpha":1,"a":1,"b":1,"unit":"fortnight"}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelWithUnit {
    /// The model.
    #[serde(flatten)]
    pub model: ClvModel,
    /// Time unit of `recency`, `T` and every horizon of the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Period>,
}

impl From<ClvModel> for ModelWithUnit {
    fn from(model: ClvModel) -> Self {
        ModelWithUnit { model, unit: None }
    }
}

impl std::ops::Deref for ModelWithUnit {
    type Target = ClvModel;
    fn deref(&self) -> &ClvModel {
        &self.model
    }
}

impl ModelWithUnit {
    /// Checks that data whose time unit is `data` (a summary's unit, when the
    /// data says it) may be predicted by this model: recency and `T` in
    /// days read by a model fitted in weeks would be seven times too long,
    /// and every prediction silently wrong. Unknown units on either side pass.
    ///
    /// # Errors
    /// [`EngError::Config`] at `unit` when both units are known and differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, ModelWithUnit, bg_nbd::BgNbdParams};
    /// use engagement_core::transactions::Period;
    /// let m = ModelWithUnit { model: ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }),
    ///     unit: Some(Period::Week) };
    /// assert!(m.check_data_unit(Some(Period::Week)).is_ok() && m.check_data_unit(None).is_ok());
    /// let e = m.check_data_unit(Some(Period::Day)).unwrap_err();
    /// assert!(e.to_string().contains("the data's unit is day, the model's is week"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn check_data_unit(&self, data: Option<Period>) -> Result<()> {
        if let (Some(model), Some(data)) = (self.unit, data)
            && model != data
        {
            return Err(EngError::config(
                "unit",
                format!(
                    "the data's unit is {}, the model's is {}: summarise the data in {}s \
                     (recency and T are read in the model's unit)",
                    data.label(),
                    model.label(),
                    model.label()
                ),
            ));
        }
        Ok(())
    }

    /// Expected purchases per customer over `horizon` (weeks, days, months
    /// or the model's own units), converted with the model's time unit:
    /// the conditional expectation of [`ClvModel::conditional_expected_purchases`]
    /// without the unit left to the caller.
    ///
    /// # Errors
    /// As [`Horizon::in_units`] (a calendar horizon needs a model whose
    /// unit is known) and [`ClvModel::conditional_expected_purchases`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, Horizon, ModelWithUnit, bg_nbd::BgNbdParams};
    /// use engagement_core::transactions::Period;
    /// // CDNOW's BG/NBD in weeks (Fader, Hardie & Lee 2005).
    /// let m = ModelWithUnit { model: ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }),
    ///     unit: Some(Period::Week) };
    /// let cols = ClvColumns { frequency: &[2.0], recency: Some(&[30.43]), t: Some(&[38.86]), ..Default::default() };
    /// let e = m.expected_purchases_over(Horizon::Weeks(39.0), &cols)?;
    /// assert!((e[0] - 1.226).abs() < 5e-4);
    /// assert_eq!(m.expected_purchases_over(Horizon::Days(273.0), &cols)?, e);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn expected_purchases_over(
        &self,
        horizon: Horizon,
        columns: &ClvColumns<'_>,
    ) -> Result<Vec<f64>> {
        let t = horizon.in_units(self.unit)?;
        self.model.conditional_expected_purchases(t, columns)
    }

    /// Reads a model from JSON: the model's own form, or a whole fit result
    /// ([`ClvFit`], as the fit calls return it), whose `model` is taken, so
    /// that what a fit returns is what a prediction takes.
    ///
    /// # Errors
    /// [`EngError::Json`] (through [`crate::limits::from_json`]) when the text
    /// is neither.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::ModelWithUnit;
    /// let bare = r#"{"model":"bg_nbd","r":0.243,"alpha":4.414,"a":0.793,"b":2.426,"unit":"week"}"#;
    /// let fit = format!(r#"{{"model":{bare},"log_likelihood":-9582.4,"iterations":9,"customers":2357.0,"standard_errors":null}}"#);
    /// assert_eq!(ModelWithUnit::from_json(&fit)?, ModelWithUnit::from_json(bare)?);
    /// assert!(ModelWithUnit::from_json(r#"{"model":"bg_nbd"}"#).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self> {
        let value: serde_json::Value = crate::limits::from_json(text)?;
        let model = match value.get("model") {
            Some(inner @ serde_json::Value::Object(_)) => inner.clone(),
            _ => value,
        };
        serde_path_to_error::deserialize(model).map_err(crate::limits::located)
    }

    /// [`ClvModel::discounted_value`], with a calendar horizon converted
    /// with the model's unit.
    ///
    /// # Errors
    /// As [`ClvModel::discounted_value`]; [`EngError::Config`] for a
    /// calendar horizon (the default is one) when the unit is unknown.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, DiscountOptions, Horizon, ModelWithUnit, bg_nbd::BgNbdParams};
    /// use engagement_core::transactions::Period;
    /// let model = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// let weeks = ModelWithUnit { model, unit: Some(Period::Week) };
    /// let cols = ClvColumns { frequency: &[2.0], recency: Some(&[30.43]), t: Some(&[38.86]), ..Default::default() };
    /// // The default horizon is 12 months: 52.18 weeks for a model in weeks.
    /// let v = weeks.discounted_value(&cols, &[30.0], &DiscountOptions::default())?;
    /// let by_hand = DiscountOptions { horizon: Some(Horizon::Duration(365.2425 / 7.0)), ..Default::default() };
    /// assert!((v[0] - model.discounted_value(&cols, &[30.0], &by_hand)?[0]).abs() < 1e-12);
    /// // A model of unknown unit refuses it.
    /// assert!(ModelWithUnit::from(model).discounted_value(&cols, &[30.0], &DiscountOptions::default()).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn discounted_value(
        &self,
        columns: &ClvColumns<'_>,
        spend: &[f64],
        options: &DiscountOptions,
    ) -> Result<Vec<f64>> {
        self.model
            .discounted_value_in(columns, spend, options, self.unit)
    }
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
        Self::from_weighted_columns(frequency, recency, t, None)
    }

    /// Groups per-row columns into distinct rows, each row standing for
    /// `weights[i]` customers (all 1 when `None`): the form of pre-aggregated
    /// data such as a table of distinct histories with their counts.
    ///
    /// # Errors
    /// As [`from_columns`](Self::from_columns); [`EngError::InvalidInput`]
    /// for a weight that is not finite and ≥ 0; [`EngError::EmptyInput`]
    /// when the weights sum to 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::RepeatSummary;
    /// let s = RepeatSummary::from_weighted_columns(&[0.0, 1.0, 0.0], &[0.0, 1.0, 0.0], &[6.0; 3], Some(&[3464.0, 1091.0, 10.0]))?;
    /// assert_eq!((s.len(), s.customers()), (2, 4565.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_weighted_columns(
        frequency: &[f64],
        recency: &[f64],
        t: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        let n = frequency.len();
        check_lengths(n, &[("recency", recency.len()), ("T", t.len())])?;
        if let Some(w) = weights {
            check_lengths(n, &[("weights", w.len())])?;
        }
        let empty = || EngError::EmptyInput {
            what: "a model fit".into(),
            unit: "customer".into(),
        };
        if n == 0 {
            return Err(empty());
        }
        let mut rows: Vec<(u64, u64, u64, f64)> = Vec::with_capacity(n);
        for i in 0..n {
            let (x, tx, big_t) = (frequency[i], recency[i], t[i]);
            check_history(i, x, tx, big_t)?;
            let w = weights.map_or(1.0, |w| w[i]);
            if !(w.is_finite() && w >= 0.0) {
                return Err(EngError::invalid("weights", w, "must be finite and >= 0").at_row(i));
            }
            rows.push((x.to_bits(), tx.to_bits(), big_t.to_bits(), w));
        }
        if n > 1 << 15 {
            use rayon::prelude::*;
            rows.par_sort_unstable_by_key(|r| (r.0, r.1, r.2));
        } else {
            rows.sort_unstable_by_key(|r| (r.0, r.1, r.2));
        }
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
                        *w += r.3;
                    }
                }
                _ => {
                    out.x.push(row.0);
                    out.t_x.push(row.1);
                    out.t.push(row.2);
                    out.weight.push(r.3);
                }
            }
        }
        if out.customers() <= 0.0 {
            return Err(empty());
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

pub(crate) fn check_lengths(n: usize, others: &[(&str, usize)]) -> Result<()> {
    crate::limits::check_rows("rows", n)?;
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
    /// BG/BB.
    BgBb,
}

impl ClvModelKind {
    /// The label: `bg_nbd`, `pareto_nbd`, `mbg_nbd`, `gamma_gamma`, `sbg` or `bg_bb`.
    pub fn label(self) -> &'static str {
        match self {
            ClvModelKind::BgNbd => "bg_nbd",
            ClvModelKind::ParetoNbd => "pareto_nbd",
            ClvModelKind::MbgNbd => "mbg_nbd",
            ClvModelKind::GammaGamma => "gamma_gamma",
            ClvModelKind::Sbg => "sbg",
            ClvModelKind::BgBb => "bg_bb",
        }
    }
}

impl ClvModelKind {
    /// Every model, in label order of the docs.
    pub const ALL: [ClvModelKind; 6] = [
        ClvModelKind::BgNbd,
        ClvModelKind::ParetoNbd,
        ClvModelKind::MbgNbd,
        ClvModelKind::GammaGamma,
        ClvModelKind::Sbg,
        ClvModelKind::BgBb,
    ];

    /// The model's parameter names, in the order of [`ClvModel::parameters`]
    /// and of the standard errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::ClvModelKind;
    /// assert_eq!(ClvModelKind::BgBb.parameter_names(), ["alpha", "beta", "gamma", "delta"]);
    /// ```
    pub fn parameter_names(self) -> &'static [&'static str] {
        match self {
            ClvModelKind::BgNbd | ClvModelKind::MbgNbd => &["r", "alpha", "a", "b"],
            ClvModelKind::ParetoNbd => &["r", "alpha", "s", "beta"],
            ClvModelKind::GammaGamma => &["p", "q", "gamma"],
            ClvModelKind::Sbg => &["alpha", "beta"],
            ClvModelKind::BgBb => &["alpha", "beta", "gamma", "delta"],
        }
    }
}

impl std::str::FromStr for ClvModelKind {
    type Err = EngError;

    fn from_str(s: &str) -> Result<Self> {
        ClvModelKind::ALL
            .into_iter()
            .find(|k| k.label() == s)
            .ok_or_else(|| {
                EngError::unknown_label("model", s, ClvModelKind::ALL.map(ClvModelKind::label))
            })
    }
}

/// Per-customer columns for fitting or predicting: the purchase models use
/// `frequency`, `recency` and `t`; Gamma-Gamma uses `frequency` and
/// `monetary_value` (mean repeat-transaction value). BG/BB reads them as
/// whole opportunities: `x` purchases, the last at opportunity `t_x`, out of
/// `n = t`. A fit counts row `i` as `weights[i]` customers when given.
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
    /// Customers per row for a fit (pre-aggregated data); all 1 when `None`.
    /// Predictions ignore it.
    pub weights: Option<&'a [f64]>,
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

/// Horizon, periods and discounting of [`ClvModel::discounted_value`].
///
/// | setting | default |
/// |---|---|
/// | `horizon` | 12 months ([`DEFAULT_HORIZON`]; a calendar horizon needs the model's unit) |
/// | `periods` | 12 (the horizon is cut into this many equal periods) |
/// | `discount_rate` | 0.01 per period |
/// | `period_length` | none; the form before horizons: one period in model time units, the horizon is then `periods × period_length` |
///
/// # Examples
///
/// ```
/// use engagement_core::clv::{DiscountOptions, Horizon};
/// let o: DiscountOptions = serde_json::from_str(r#"{"horizon": {"weeks": 39}, "periods": 9}"#)?;
/// assert_eq!((o.horizon, o.periods, o.discount_rate), (Some(Horizon::Weeks(39.0)), 9, 0.01));
/// // The older form still reads: 12 periods of 4.345 model time units.
/// let old: DiscountOptions = serde_json::from_str(r#"{"periods": 12, "period_length": 4.345}"#)?;
/// assert_eq!(old.horizon_in_units(None)?, 12.0 * 4.345);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscountOptions {
    /// How far ahead; `None`: [`DEFAULT_HORIZON`] (unless `period_length` is given).
    pub horizon: Option<Horizon>,
    /// Number of equal periods the horizon is cut into (and discounted by).
    pub periods: u32,
    /// Discount rate per period.
    pub discount_rate: f64,
    /// Length of one period in the model's time unit (BG/BB: whole
    /// opportunities), instead of a horizon.
    pub period_length: Option<f64>,
}

impl Default for DiscountOptions {
    fn default() -> Self {
        DiscountOptions {
            horizon: None,
            periods: 12,
            discount_rate: 0.01,
            period_length: None,
        }
    }
}

impl DiscountOptions {
    /// Checks every value.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the field: `periods` in 1..=10000,
    /// `period_length` finite and > 0 and not given with `horizon`,
    /// `discount_rate` finite and ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::DiscountOptions;
    /// assert!(DiscountOptions { discount_rate: -0.1, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            (1..=10_000).contains(&self.periods),
            "periods",
            "must be in 1..=10000"
        );
        if let Some(l) = self.period_length {
            crate::error::positive("period_length", l)?;
            ensure_config!(
                self.horizon.is_none(),
                "period_length",
                "give either a horizon or a period length, not both"
            );
        }
        crate::error::non_negative("discount_rate", self.discount_rate)?;
        Ok(())
    }

    /// The whole horizon in time units of a model whose unit is `unit`.
    ///
    /// # Errors
    /// As [`validate`](Self::validate) and [`Horizon::in_units`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::DiscountOptions;
    /// use engagement_core::transactions::Period;
    /// assert_eq!(DiscountOptions::default().horizon_in_units(Some(Period::Day))?, 365.2425);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn horizon_in_units(&self, unit: Option<Period>) -> Result<f64> {
        self.validate()?;
        match (self.horizon, self.period_length) {
            (None, Some(l)) => Ok(f64::from(self.periods) * l),
            (h, _) => h.unwrap_or(DEFAULT_HORIZON).in_units(unit),
        }
    }
}

/// What a [`FrequencyRecencyMatrix`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "value", rename_all = "snake_case")]
pub enum MatrixValue {
    /// P(alive).
    PAlive,
    /// Conditional expected purchases in the next `horizon`.
    ExpectedPurchases {
        /// Time units ahead (BG/BB: whole opportunities).
        horizon: f64,
    },
}

/// A frequency × recency grid of a model's prediction for histories
/// observed for `t` (see [`ClvModel::frequency_recency_matrix`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrequencyRecencyMatrix {
    /// Row labels: repeat purchases.
    pub frequency: Vec<f64>,
    /// Column labels: time of the last purchase.
    pub recency: Vec<f64>,
    /// Age of every history in the grid.
    pub t: f64,
    /// Row-major values, one row per frequency; NaN for impossible histories.
    pub values: Vec<f64>,
}

impl FrequencyRecencyMatrix {
    /// The value at frequency row `f` and recency column `r`, `None` outside the grid.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, MatrixValue, pareto_nbd::ParetoNbdParams};
    /// let m = ClvModel::ParetoNbd(ParetoNbdParams { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 });
    /// let g = m.frequency_recency_matrix(MatrixValue::ExpectedPurchases { horizon: 1.0 }, 3, 4.0)?;
    /// assert!(g.value(3, 4).is_some() && g.value(4, 0).is_none() && g.value(0, 5).is_none());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn value(&self, f: usize, r: usize) -> Option<f64> {
        (f < self.frequency.len() && r < self.recency.len())
            .then(|| self.values[f * self.recency.len() + r])
    }
}

/// A fitted model and how the fit went (the serde form of
/// [`fit::FitReport`] for any model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClvFit {
    /// The fitted model, with the unit of [`FitOptions::unit`](fit::FitOptions::unit).
    pub model: ModelWithUnit,
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
            ClvModel::BgBb(_) => ClvModelKind::BgBb,
        }
    }

    /// Checks that every parameter is a finite number > 0 (a model read from
    /// JSON may hold anything).
    ///
    /// # Errors
    /// [`EngError::Config`] naming the first bad parameter.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, sbg::SbgParams};
    /// assert!(ClvModel::Sbg(SbgParams { alpha: 0.7, beta: 1.2 }).check_parameters().is_ok());
    /// assert!(ClvModel::Sbg(SbgParams { alpha: -0.7, beta: 1.2 }).check_parameters().is_err());
    /// ```
    pub fn check_parameters(&self) -> Result<()> {
        for (name, v) in self.parameters() {
            crate::error::positive(name, v)?;
        }
        Ok(())
    }

    /// Parameter names and values, in the model's order (the order of
    /// [`ClvFit::standard_errors`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, sbg::SbgParams};
    /// let m = ClvModel::Sbg(SbgParams { alpha: 0.7, beta: 1.2 });
    /// assert_eq!(m.parameters(), vec![("alpha", 0.7), ("beta", 1.2)]);
    /// ```
    pub fn parameters(&self) -> Vec<(&'static str, f64)> {
        match *self {
            ClvModel::BgNbd(p) => vec![("r", p.r), ("alpha", p.alpha), ("a", p.a), ("b", p.b)],
            ClvModel::MbgNbd(p) => vec![("r", p.r), ("alpha", p.alpha), ("a", p.a), ("b", p.b)],
            ClvModel::ParetoNbd(p) => {
                vec![("r", p.r), ("alpha", p.alpha), ("s", p.s), ("beta", p.beta)]
            }
            ClvModel::GammaGamma(p) => vec![("p", p.p), ("q", p.q), ("gamma", p.gamma)],
            ClvModel::Sbg(p) => vec![("alpha", p.alpha), ("beta", p.beta)],
            ClvModel::BgBb(p) => vec![
                ("alpha", p.alpha),
                ("beta", p.beta),
                ("gamma", p.gamma),
                ("delta", p.delta),
            ],
        }
    }

    /// Fits a model of `kind` by maximum likelihood: one entry point for
    /// every model (the C and Python faces call this). The fitted model
    /// records `options.unit`, the time unit of the columns.
    ///
    /// # Errors
    /// [`EngError::Config`] for a column the model needs but `columns` lacks or
    /// bad options; the errors of the model's own `fit`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, ClvModelKind, FitOptions};
    /// let cols = ClvColumns {
    ///     frequency: &[0.0, 1.0, 3.0, 0.0, 2.0],
    ///     recency: Some(&[0.0, 2.0, 9.0, 0.0, 4.0]),
    ///     t: Some(&[10.0, 10.0, 10.0, 8.0, 6.0]),
    ///     ..Default::default()
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
        let mut fit = Self::fit_parameters(kind, columns, options)?;
        fit.model.unit = options.unit;
        Ok(fit)
    }

    /// Fits a model of `kind` on a transaction summary and records the
    /// summary's unit: the purchase models read frequency, recency and `T`,
    /// Gamma-Gamma the repeat buyers' frequency and monetary value.
    ///
    /// # Errors
    /// As [`fit`](Self::fit); [`EngError::Config`] naming `unit` when
    /// `options.unit` is set and is not the summary's.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, ClvModelKind, FitOptions};
    /// use engagement_core::transactions::{Period, SummaryConfig, TransactionColumns, summarize};
    /// let day = 86_400;
    /// let cols = TransactionColumns {
    ///     customer: &[1, 1, 1, 2, 2, 3, 4, 4],
    ///     time: &[0, 3 * day, 9 * day, day, 4 * day, 2 * day, 0, 8 * day],
    ///     value: &[10.0, 12.0, 9.0, 20.0, 25.0, 5.0, 7.0, 8.0],
    /// };
    /// let s = summarize(&cols, 10 * day, &SummaryConfig::default())?;
    /// let bg = ClvModel::fit_summary(ClvModelKind::BgNbd, &s, &FitOptions::default())?;
    /// assert_eq!(bg.model.unit, Some(Period::Day));
    /// let weekly = FitOptions { unit: Some(Period::Week), ..Default::default() };
    /// assert!(ClvModel::fit_summary(ClvModelKind::BgNbd, &s, &weekly).is_err()); // not the summary's unit
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit_summary(
        kind: ClvModelKind,
        summary: &crate::transactions::TransactionSummary,
        options: &FitOptions,
    ) -> Result<ClvFit> {
        let options = options.clone().for_data_in(Some(summary.unit))?;
        let frequency = &summary.frequency;
        if kind == ClvModelKind::GammaGamma {
            let repeat: Vec<usize> = (0..frequency.len())
                .filter(|&i| frequency[i] > 0.0)
                .collect();
            let f: Vec<f64> = repeat.iter().map(|&i| frequency[i]).collect();
            let m: Vec<f64> = repeat.iter().map(|&i| summary.monetary_value[i]).collect();
            let columns = ClvColumns {
                frequency: &f,
                monetary_value: Some(&m),
                ..Default::default()
            };
            return Self::fit(kind, &columns, &options);
        }
        let columns = ClvColumns {
            frequency,
            recency: Some(&summary.recency),
            t: Some(&summary.t),
            ..Default::default()
        };
        Self::fit(kind, &columns, &options)
    }

    fn fit_parameters(
        kind: ClvModelKind,
        columns: &ClvColumns<'_>,
        options: &FitOptions,
    ) -> Result<ClvFit> {
        match kind {
            ClvModelKind::BgNbd
            | ClvModelKind::ParetoNbd
            | ClvModelKind::MbgNbd
            | ClvModelKind::BgBb => {
                let (r, t) = columns.history(kind)?;
                let data =
                    RepeatSummary::from_weighted_columns(columns.frequency, r, t, columns.weights)?;
                match kind {
                    ClvModelKind::BgBb => {
                        let f = bg_bb::BgBbParams::fit(&data, options)?;
                        Ok(ClvFit::from_report(ClvModel::BgBb(f.params), &f))
                    }
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
                let f = gamma_gamma::GammaGammaParams::fit_weighted(
                    columns.frequency,
                    m,
                    columns.weights,
                    options,
                )?;
                Ok(ClvFit::from_report(ClvModel::GammaGamma(f.params), &f))
            }
            ClvModelKind::Sbg => Err(EngError::config(
                "model",
                "sbg fits a cohort's survivor counts: use fit_retention",
            )),
        }
    }

    pub(crate) fn purchase_model(&self, what: &str) -> Result<()> {
        match self {
            ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => Err(EngError::config(
                "model",
                format!(
                    "{what} needs a purchase model (bg_nbd, mbg_nbd, pareto_nbd or bg_bb), not {}",
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
    /// use engagement_core::clv::{ClvModel, FitOptions};
    /// let fit = ClvModel::fit_retention(&[1000.0, 869.0, 743.0, 653.0, 593.0, 551.0, 517.0, 491.0], &FitOptions::default())?;
    /// let s = fit.model.survival(&[0.0, 7.0])?;
    /// assert!((s[0] - 1.0).abs() < 1e-12 && (s[1] - 0.491).abs() < 0.01);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fit_retention(alive: &[f64], options: &FitOptions) -> Result<ClvFit> {
        let f = sbg::SbgParams::fit(alive, options)?;
        let mut fit = ClvFit::from_report(ClvModel::Sbg(f.params), &f);
        fit.model.unit = options.unit;
        Ok(fit)
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
            .map(|(i, &ti)| {
                p.survival(ti)
                    .and_then(probability)
                    .map_err(|e| e.at_row(i))
            })
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
            .map(|(i, &ti)| {
                p.retention_rate(ti)
                    .and_then(probability)
                    .map_err(|e| e.at_row(i))
            })
            .collect()
    }

    /// P(alive) at `T` for every customer.
    ///
    /// # Errors
    /// [`EngError::Config`] for Gamma-Gamma or a missing column;
    /// [`EngError::InvalidInput`] (with the row) for a bad history, or for
    /// parameters so extreme that the prediction is not a valid number
    /// (every prediction below is range-checked the same way).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, bg_nbd::BgNbdParams};
    /// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// let cols = ClvColumns { frequency: &[0.0, 2.0], recency: Some(&[0.0, 30.43]), t: Some(&[38.86, 38.86]), ..Default::default() };
    /// let p = m.p_alive(&cols)?;
    /// assert_eq!(p[0], 1.0);
    /// assert!(p[1] > 0.0 && p[1] < 1.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn p_alive(&self, columns: &ClvColumns<'_>) -> Result<Vec<f64>> {
        self.purchase_model("P(alive)")?;
        let (r, t) = columns.history(self.kind())?;
        self.per_history(
            columns.frequency,
            r,
            t,
            probability,
            |x, tx, big_t| match self {
                ClvModel::BgNbd(p) => p.p_alive(x, tx, big_t),
                ClvModel::ParetoNbd(p) => p.p_alive(x, tx, big_t),
                ClvModel::MbgNbd(p) => p.p_alive(x, tx, big_t),
                ClvModel::BgBb(p) => p.p_alive(x, tx, big_t),
                ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => unreachable_model(),
            },
        )
    }

    /// P(alive) of one customer over time: at each time of `at` (since the
    /// customer's first purchase, in the model's time unit), the history up
    /// to then (repeat purchases at the times of `purchases` that are at or
    /// before it, `t_x` the last of them, `T` the time itself) evaluated as
    /// [`p_alive`](Self::p_alive). The data of a P(alive) history plot.
    ///
    /// # Errors
    /// As [`p_alive`](Self::p_alive); [`EngError::InvalidInput`] (with the
    /// row) for a purchase time that is not finite and > 0 or is out of
    /// order, or an evaluation time that is not finite and > 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, bg_nbd::BgNbdParams};
    /// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// // Repeat purchases in weeks 2 and 5; P(alive) falls during the silences and jumps at purchases.
    /// let p = m.p_alive_history(&[2.0, 5.0], &[0.5, 1.9, 2.0, 4.9, 5.0, 30.0])?;
    /// assert!(p[0] == 1.0 && p[1] == 1.0);          // no repeat purchase yet: alive for sure
    /// assert_eq!(p[2], m.p_alive(&engagement_core::clv::ClvColumns { frequency: &[1.0], recency: Some(&[2.0]),
    ///     t: Some(&[2.0]), ..Default::default() })?[0]);
    /// assert!(p[3] < p[4] && p[5] < p[4]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn p_alive_history(&self, purchases: &[f64], at: &[f64]) -> Result<Vec<f64>> {
        self.purchase_model("P(alive) history")?;
        let mut last = 0.0;
        for (i, &p) in purchases.iter().enumerate() {
            if !(p.is_finite() && p > 0.0 && p >= last) {
                return Err(EngError::invalid(
                    "purchases",
                    p,
                    "repeat purchase times must be finite, > 0 and in time order",
                )
                .at_row(i));
            }
            last = p;
        }
        let (mut x, mut tx, mut big_t) = (Vec::new(), Vec::new(), Vec::new());
        for (i, &t) in at.iter().enumerate() {
            if !(t.is_finite() && t > 0.0) {
                return Err(EngError::invalid("at", t, "must be finite and > 0").at_row(i));
            }
            let n = purchases.partition_point(|&p| p <= t);
            x.push(n as f64);
            tx.push(if n == 0 { 0.0 } else { purchases[n - 1] });
            big_t.push(t);
        }
        self.p_alive(&ClvColumns {
            frequency: &x,
            recency: Some(&tx),
            t: Some(&big_t),
            ..Default::default()
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
    /// let cols = ClvColumns { frequency: &[2.0], recency: Some(&[30.43]), t: Some(&[38.86]), ..Default::default() };
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
        self.per_history(
            columns.frequency,
            r,
            t,
            expectation,
            |x, tx, big_t| match self {
                ClvModel::BgNbd(p) => p.conditional_expected_purchases(horizon, x, tx, big_t),
                ClvModel::ParetoNbd(p) => p.conditional_expected_purchases(horizon, x, tx, big_t),
                ClvModel::MbgNbd(p) => p.conditional_expected_purchases(horizon, x, tx, big_t),
                ClvModel::BgBb(p) => p.conditional_expected_purchases(horizon, x, tx, big_t),
                ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => unreachable_model(),
            },
        )
    }

    /// Expected purchases of a new customer in `(0, t]`, for every `t`.
    ///
    /// # Errors
    /// [`EngError::Config`] for Gamma-Gamma; [`EngError::InvalidInput`] (with
    /// the row) for a negative or non-finite `t`, or parameters too extreme
    /// to evaluate.
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
                    ClvModel::BgBb(p) => p.expected_purchases_new(ti),
                    ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => unreachable_model(),
                }
                .and_then(expectation)
                .map_err(|e| e.at_row(i))
            })
            .collect()
    }

    /// Probability that a new customer makes exactly `x[i]` purchases in
    /// `(0, t[i]]`, for every pair (BG/BB: at the first `t[i]`
    /// opportunities).
    ///
    /// # Errors
    /// [`EngError::Config`] for Gamma-Gamma or sBG; [`EngError::LengthMismatch`];
    /// [`EngError::InvalidInput`] (with the row) for a negative `t` or an `x`
    /// that is not a whole number, or parameters too extreme to evaluate.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, bg_nbd::BgNbdParams};
    /// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// let p = m.probability_of_purchases(&[39.0, 39.0, 39.0], &[0.0, 1.0, 2.0])?;
    /// assert!(p[0] > p[1] && p[1] > p[2]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn probability_of_purchases(&self, t: &[f64], x: &[f64]) -> Result<Vec<f64>> {
        self.purchase_model("P(x purchases)")?;
        check_lengths(t.len(), &[("x", x.len())])?;
        t.iter()
            .zip(x)
            .enumerate()
            .map(|(i, (&ti, &xi))| {
                match self {
                    ClvModel::BgNbd(p) => p.probability_of_purchases(ti, xi),
                    ClvModel::ParetoNbd(p) => p.probability_of_purchases(ti, xi),
                    ClvModel::MbgNbd(p) => p.probability_of_purchases(ti, xi),
                    ClvModel::BgBb(p) => p.probability_of_purchases(ti, xi),
                    ClvModel::GammaGamma(_) | ClvModel::Sbg(_) => unreachable_model(),
                }
                .and_then(probability)
                .map_err(|e| e.at_row(i))
            })
            .collect()
    }

    /// Discounted value of each customer's expected purchases over the
    /// horizon of `options` (in the model's time units, `H`), cut into
    /// `options.periods` (`K`) periods of `L = H / K`:
    ///
    /// ```text
    /// CLV_i = Σ_{k=1..K} spend_i · (E[Y(kL)] − E[Y((k−1)L)]) / (1 + d)^k
    /// ```
    ///
    /// with `E[Y(t)]` the customer's conditional expected purchases in the
    /// next `t` and `d` the discount rate per period (the discounted-cash-flow
    /// sum of Fader, Hardie & Lee 2005, "RFM and CLV", in discrete periods).
    /// `spend` is the value of one purchase, typically
    /// [`expected_spend`](Self::expected_spend) of a Gamma-Gamma model, or a
    /// margin. A bare model has no time unit, so its horizon must be a
    /// duration (or `period_length`); [`ModelWithUnit::discounted_value`]
    /// takes calendar horizons.
    ///
    /// # Errors
    /// As [`conditional_expected_purchases`](Self::conditional_expected_purchases);
    /// [`EngError::LengthMismatch`]; [`EngError::InvalidInput`] (with the row)
    /// for a spend that is not finite and ≥ 0; [`EngError::Config`] for bad
    /// options or a calendar horizon (the default is one).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvColumns, ClvModel, DiscountOptions, Horizon, bg_nbd::BgNbdParams};
    /// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// let cols = ClvColumns { frequency: &[2.0], recency: Some(&[30.43]), t: Some(&[38.86]), ..Default::default() };
    /// // No discounting: the value is spend × expected purchases over the whole horizon.
    /// let flat = DiscountOptions { horizon: Some(Horizon::Duration(52.2)), discount_rate: 0.0, ..Default::default() };
    /// let v = m.discounted_value(&cols, &[30.0], &flat)?;
    /// let e = m.conditional_expected_purchases(52.2, &cols)?;
    /// assert!((v[0] - 30.0 * e[0]).abs() < 1e-9);
    /// let discounted = m.discounted_value(&cols, &[30.0], &DiscountOptions { discount_rate: 0.01, ..flat })?;
    /// assert!(discounted[0] < v[0]);
    /// assert!(m.discounted_value(&cols, &[30.0], &DiscountOptions::default()).is_err()); // 12 months of what?
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn discounted_value(
        &self,
        columns: &ClvColumns<'_>,
        spend: &[f64],
        options: &DiscountOptions,
    ) -> Result<Vec<f64>> {
        self.discounted_value_in(columns, spend, options, None)
    }

    /// [`discounted_value`](Self::discounted_value) for a model of time unit `unit`.
    fn discounted_value_in(
        &self,
        columns: &ClvColumns<'_>,
        spend: &[f64],
        options: &DiscountOptions,
        unit: Option<Period>,
    ) -> Result<Vec<f64>> {
        // The wrong model is the first thing to say (a Gamma-Gamma model has no unit either).
        self.purchase_model("discounted value")?;
        let period_length = options.horizon_in_units(unit)? / f64::from(options.periods);
        check_lengths(columns.frequency.len(), &[("spend", spend.len())])?;
        for (i, &v) in spend.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                return Err(EngError::invalid("spend", v, "must be finite and >= 0").at_row(i));
            }
        }
        let mut value = vec![0.0; spend.len()];
        let mut before = vec![0.0; spend.len()];
        for k in 1..=options.periods {
            let horizon = f64::from(k) * period_length;
            let now = self.conditional_expected_purchases(horizon, columns)?;
            let factor = (1.0 + options.discount_rate).powi(-(k as i32));
            for i in 0..value.len() {
                value[i] += spend[i] * (now[i] - before[i]) * factor;
            }
            before = now;
        }
        Ok(value)
    }

    /// Matrix of P(alive) or of expected purchases in the next `horizon` over
    /// a grid of histories observed for `t`: one row per frequency
    /// `0..=max_frequency`, one column per recency `0, 1, …, ⌊t⌋` (time
    /// units; BG/BB opportunities). Impossible histories (no purchase but a
    /// recency, or for BG/BB more purchases than opportunities) are NaN. The
    /// data of the frequency × recency heat maps.
    ///
    /// # Errors
    /// [`EngError::Config`] for a model without purchases, a grid of more
    /// than 10⁷ cells, or a BG/BB grid summing more than
    /// [`MAX_BG_BB_GRID_TERMS`] terms (about `cells × (⌊t⌋ + 1 + horizon)`);
    /// [`EngError::InvalidInput`] for a bad `t` or horizon.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::{ClvModel, MatrixValue, bg_nbd::BgNbdParams};
    /// let m = ClvModel::BgNbd(BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });
    /// let grid = m.frequency_recency_matrix(MatrixValue::PAlive, 10, 39.0)?;
    /// assert_eq!((grid.frequency.len(), grid.recency.len()), (11, 40));
    /// assert_eq!(grid.value(0, 0), Some(1.0));
    /// assert!(grid.value(0, 5).is_some_and(f64::is_nan));
    /// assert!(grid.value(5, 39) > grid.value(5, 10));   // recent buyers are more likely alive
    /// assert!(m.frequency_recency_matrix(MatrixValue::PAlive, 0, 1e300).is_err()); // too many cells
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn frequency_recency_matrix(
        &self,
        what: MatrixValue,
        max_frequency: u32,
        t: f64,
    ) -> Result<FrequencyRecencyMatrix> {
        self.purchase_model("a frequency-recency matrix")?;
        if !(t.is_finite() && t > 0.0) {
            return Err(EngError::invalid("t", t, "must be finite and > 0"));
        }
        if let MatrixValue::ExpectedPurchases { horizon } = what
            && !(horizon.is_finite() && horizon >= 0.0)
        {
            return Err(EngError::invalid(
                "horizon",
                horizon,
                "must be a finite number >= 0",
            ));
        }
        let rows = u64::from(max_frequency) + 1;
        // Counted in floating point first: a huge `t` must not wrap the cast.
        let cells = rows as f64 * (t.floor() + 1.0);
        ensure_config!(
            cells <= 1e7,
            "max_frequency",
            "a {rows} × {} grid is more than 10^7 cells",
            t.floor() + 1.0
        );
        let cols = t.floor() as u64 + 1;
        let discrete = matches!(self, ClvModel::BgBb(_));
        if discrete {
            // A BG/BB cell sums a term per opportunity after its last purchase (and, for
            // expected purchases, may sum one per opportunity of the horizon): bounded so
            // that the call returns within seconds.
            let horizon = match what {
                MatrixValue::ExpectedPurchases { horizon } => horizon,
                MatrixValue::PAlive => 0.0,
            };
            let terms = cells * (t.floor() + 1.0 + horizon.floor());
            ensure_config!(
                terms <= MAX_BG_BB_GRID_TERMS,
                "max_frequency",
                "a BG/BB grid of {rows} × {} histories over {} opportunities sums about \
                 {terms:.1e} terms, more than {MAX_BG_BB_GRID_TERMS:e} (about two seconds): \
                 ask for fewer opportunities (t) or a smaller max_frequency",
                t.floor() + 1.0,
                t.floor()
            );
        }
        let frequency: Vec<f64> = (0..rows).map(|f| f as f64).collect();
        let recency: Vec<f64> = (0..cols).map(|r| r as f64).collect();
        let mut values = Vec::with_capacity((rows * cols) as usize);
        for &x in &frequency {
            for &tx in &recency {
                let possible = if discrete {
                    (x == 0.0) == (tx == 0.0) && x <= tx
                } else {
                    x > 0.0 || tx == 0.0
                };
                if !possible {
                    values.push(f64::NAN);
                    continue;
                }
                let one = ClvColumns {
                    frequency: std::slice::from_ref(&x),
                    recency: Some(std::slice::from_ref(&tx)),
                    t: Some(std::slice::from_ref(&t)),
                    ..Default::default()
                };
                let v = match what {
                    MatrixValue::PAlive => self.p_alive(&one)?,
                    MatrixValue::ExpectedPurchases { horizon } => {
                        self.conditional_expected_purchases(horizon, &one)?
                    }
                };
                values.push(v[0]);
            }
        }
        Ok(FrequencyRecencyMatrix {
            frequency,
            recency,
            t,
            values,
        })
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
            .map(|(i, (&x, &mi))| {
                g.expected_spend(x, mi)
                    .and_then(expectation)
                    .map_err(|e| e.at_row(i))
            })
            .collect()
    }

    fn per_history(
        &self,
        x: &[f64],
        r: &[f64],
        t: &[f64],
        check: fn(f64) -> Result<f64>,
        f: impl Fn(f64, f64, f64) -> Result<f64>,
    ) -> Result<Vec<f64>> {
        (0..x.len())
            .map(|i| {
                check_history(i, x[i], r[i], t[i])?;
                f(x[i], r[i], t[i])
                    .and_then(check)
                    .map_err(|e| self.at_edge(e, i).at_row(i))
            })
            .collect()
    }

    /// A special function refusing its arguments means the model's
    /// parameters are at the edge of their range (a fit on too few
    /// customers runs some to 0): said in the model's own terms.
    fn at_edge(&self, e: EngError, row: usize) -> EngError {
        match e {
            EngError::InvalidInput { ref field, .. } if field == "a, b, c" || field == "z" => {
                let params: Vec<String> = self
                    .parameters()
                    .iter()
                    .map(|(n, v)| format!("{n} = {v:.3e}"))
                    .collect();
                EngError::config(
                    "model",
                    format!(
                        "the prediction for row {row} cannot be evaluated at these parameters ({}): a parameter near 0 means the fit ran to the edge of its range, as it does on too few customers; refit with a penalty (FitOptions::penalty, e.g. 0.1) or more data",
                        params.join(", ")
                    ),
                )
            }
            other => other,
        }
    }
}

/// Reached only when a guard above was skipped: an error, never a panic.
fn unreachable_model() -> Result<f64> {
    Err(EngError::config("model", "not a purchase model"))
}

impl ClvFit {
    fn from_report<P>(model: ClvModel, r: &fit::FitReport<P>) -> ClvFit {
        ClvFit {
            model: model.into(),
            log_likelihood: r.log_likelihood,
            iterations: r.iterations,
            customers: r.customers,
            standard_errors: r.standard_errors.clone(),
        }
    }
}

/// Rows `0..n` in blocks of at least `block` rows that start only where
/// `starts(i)` holds, for likelihoods summed in parallel: the blocks depend on
/// the data alone, so the sums are the same on any number of threads (and one
/// block, the plain sequential sum, below `block` rows). Cheap rows want
/// large blocks (4 096 for the BG family), costly ones small (Pareto/NBD's
/// hypergeometric series: 256).
pub(crate) fn row_blocks(
    n: usize,
    block: usize,
    starts: impl Fn(usize) -> bool,
) -> Vec<std::ops::Range<usize>> {
    let block = block.max(1);
    let mut out = Vec::with_capacity(n / block + 1);
    let mut start = 0;
    while start < n {
        let mut end = (start + block).min(n);
        while end < n && !starts(end) {
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// A probability, or an error when it is not one: parameters far outside
/// what any data gives (a shape of 1e34, say) overflow or cancel in the
/// special functions, and such a number must not pass for an answer.
/// Rounding within 1e-9 of [0, 1] is clamped.
fn probability(v: f64) -> Result<f64> {
    if v.is_finite() && (-1e-9..=1.0 + 1e-9).contains(&v) {
        Ok(v.clamp(0.0, 1.0))
    } else {
        Err(beyond(v))
    }
}

/// An expected count or amount (≥ 0), or an error as for [`probability`];
/// rounding within 1e-9 below 0 is clamped.
fn expectation(v: f64) -> Result<f64> {
    if v.is_finite() && v >= -1e-9 {
        Ok(v.max(0.0))
    } else {
        Err(beyond(v))
    }
}

fn beyond(v: f64) -> EngError {
    EngError::invalid(
        "parameters",
        v,
        "the model's prediction is not a valid number at these parameters (too extreme to evaluate)",
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CDNOW_BG: ClvModel = ClvModel::BgNbd(bg_nbd::BgNbdParams {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    });

    /// A BG/BB grid over a million opportunities would sum ~10^12 terms (the fuzzer's hang): it
    /// is refused before the first; a year of weekly opportunities is not.
    #[test]
    fn a_bg_bb_grid_asking_for_absurd_work_is_refused_up_front() {
        let bg_bb = ClvModel::BgBb(bg_bb::BgBbParams {
            alpha: 1.204,
            beta: 0.750,
            gamma: 0.657,
            delta: 2.783,
        });
        for (what, max_f, t) in [
            (MatrixValue::PAlive, 4, 1e6),
            (MatrixValue::PAlive, 2, 1e6),
            (MatrixValue::ExpectedPurchases { horizon: 1e6 }, 0, 1e4),
        ] {
            let e = bg_bb.frequency_recency_matrix(what, max_f, t).unwrap_err();
            assert!(matches!(e, EngError::Config { .. }), "{e}");
            assert!(e.to_string().contains("terms"), "{e}");
        }
        // Within the bound: a year of weekly opportunities, every frequency.
        let g = bg_bb
            .frequency_recency_matrix(MatrixValue::PAlive, 52, 52.0)
            .unwrap();
        assert_eq!(g.values.len(), 53 * 53);
    }

    #[test]
    fn a_fit_at_the_edge_of_its_range_is_named_in_the_models_terms() {
        // a + b < 1 makes the conditional expectation's hypergeometric term
        // undefined for a customer without repeats (as a fit on five
        // customers produced).
        let m = ClvModel::BgNbd(bg_nbd::BgNbdParams {
            r: 1.0,
            alpha: 3.0,
            a: 1e-8,
            b: 4e-8,
        });
        let cols = ClvColumns {
            frequency: &[2.0, 0.0],
            recency: Some(&[3.0, 0.0]),
            t: Some(&[5.0, 5.0]),
            ..Default::default()
        };
        let e = m.conditional_expected_purchases(12.0, &cols).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.kind(), crate::ErrorKind::Config, "{text}");
        assert!(
            text.contains("row 1") && text.contains("a = 1.000e-8") && text.contains("penalty"),
            "{text}"
        );
    }

    #[test]
    fn fits_record_the_unit_of_their_options_and_its_json_keeps_it() {
        let h = simulate::histories(&CDNOW_BG, &[39.0; 500], 7).unwrap();
        let cols = ClvColumns {
            frequency: &h.frequency,
            recency: Some(&h.recency),
            t: Some(&[39.0; 500]),
            ..Default::default()
        };
        let bare = ClvModel::fit(ClvModelKind::BgNbd, &cols, &FitOptions::default()).unwrap();
        assert_eq!(bare.model.unit, None);
        let weekly = FitOptions {
            unit: Some(Period::Week),
            ..Default::default()
        };
        let fit = ClvModel::fit(ClvModelKind::BgNbd, &cols, &weekly).unwrap();
        assert_eq!(fit.model.unit, Some(Period::Week));
        assert_eq!(fit.model.model, bare.model.model);
        let json = serde_json::to_string(&fit).unwrap();
        assert!(json.contains(r#""unit":"week""#), "{json}");
        let again: ClvFit = serde_json::from_str(&json).unwrap();
        assert_eq!(again.model, fit.model);
        // Unknown keys are still refused, next to the unit.
        let extra = r#"{"model":"bg_nbd","r":1,"alpha":1,"a":1,"b":1,"unit":"day","extra":1}"#;
        assert!(serde_json::from_str::<ModelWithUnit>(extra).is_err());
    }

    #[test]
    fn the_default_horizon_is_twelve_calendar_months_in_the_model_unit() {
        let cols = ClvColumns {
            frequency: &[2.0, 0.0],
            recency: Some(&[30.43, 0.0]),
            t: Some(&[38.86, 20.0]),
            ..Default::default()
        };
        let spend = [30.0, 12.0];
        let weeks = ModelWithUnit {
            model: CDNOW_BG,
            unit: Some(Period::Week),
        };
        let by_default = weeks
            .discounted_value(&cols, &spend, &DiscountOptions::default())
            .unwrap();
        // By hand: 12 months = 365.2425 days = 52.1775 weeks.
        let stated = DiscountOptions {
            horizon: Some(Horizon::Duration(52.1775)),
            ..Default::default()
        };
        let by_hand = CDNOW_BG.discounted_value(&cols, &spend, &stated).unwrap();
        for i in 0..2 {
            assert!((by_default[i] - by_hand[i]).abs() <= 1e-12 * by_hand[i]);
        }
        for h in [Horizon::Weeks(52.1775), Horizon::Days(365.2425)] {
            let v = weeks
                .discounted_value(
                    &cols,
                    &spend,
                    &DiscountOptions {
                        horizon: Some(h),
                        ..Default::default()
                    },
                )
                .unwrap();
            assert!((v[0] - by_hand[0]).abs() <= 1e-12 * by_hand[0], "{h:?}");
        }
        // No unit: the calendar default is refused; a horizon and a period length together too.
        let e = CDNOW_BG
            .discounted_value(&cols, &spend, &DiscountOptions::default())
            .unwrap_err();
        assert!(e.to_string().contains("set the model's unit"), "{e}");
        let both = DiscountOptions {
            horizon: Some(Horizon::Duration(52.0)),
            period_length: Some(4.345),
            ..Default::default()
        };
        assert!(matches!(
            CDNOW_BG.discounted_value(&cols, &spend, &both),
            Err(EngError::Config { .. })
        ));
    }

    #[test]
    fn extreme_parameters_give_an_error_not_a_nan() {
        // Found by the ffi_clv fuzz target: a shape of 1e34 overflowed to NaN.
        let m = ClvModel::BgNbd(bg_nbd::BgNbdParams {
            r: 1.038_459_460_714_424_6e34,
            alpha: 40.142_857_142_857_14,
            a: 40.142_857_142_857_14,
            b: 40.142_857_142_857_14,
        });
        let e = m
            .expected_purchases_new(&[40.142_857_142_857_14])
            .unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
        assert!(e.to_string().contains("not a valid number"), "{e}");
        // And a cancellation to a huge negative expectation (b = 4.8e279), found the same way.
        let m = ClvModel::BgNbd(bg_nbd::BgNbdParams {
            r: 30.5,
            alpha: 22.0,
            a: 24.0,
            b: 4.821_641_434_502_089e279,
        });
        assert_eq!(
            m.expected_purchases_new(&[19.75]).unwrap_err().kind(),
            "invalid_input"
        );
    }
}
