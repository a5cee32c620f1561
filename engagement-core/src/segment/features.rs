//! Per-customer features as columns: what segment rules are evaluated over.

use crate::model::time::IntoTime;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::error::{EngError, Result};
use crate::journey::StageColumns;
use crate::model::{Channel, Code, RatingScale, TouchpointKind};
use crate::profile::ProfileStore;
use crate::score::{RfmScores, ScoreColumns};

const DAY: f64 = 86_400.0;

/// Numeric features taken from profiles (the `kind.<label>` and
/// `channel.<label>` touchpoint counts come in addition).
///
/// | feature | meaning |
/// |---|---|
/// | `touches`, `purchases`, `refund_count`, `referrals` | counts |
/// | `revenue`, `refunds`, `net_revenue`, `average_order_value` | money |
/// | `days_since_last_touch`, `days_since_last_purchase`, `days_since_first_touch` | at `as_of` |
/// | `mean_purchase_interval_days` | purchase rhythm |
/// | `latest_nps`, `latest_csat`, `latest_ces` | latest answers |
///
/// # Examples
///
/// ```
/// use engagement_core::segment::features::PROFILE_FEATURES;
/// assert!(PROFILE_FEATURES.contains(&"net_revenue"));
/// ```
pub const PROFILE_FEATURES: [&str; 15] = [
    "touches",
    "purchases",
    "refund_count",
    "referrals",
    "revenue",
    "refunds",
    "net_revenue",
    "average_order_value",
    "days_since_last_touch",
    "days_since_last_purchase",
    "days_since_first_touch",
    "mean_purchase_interval_days",
    "latest_nps",
    "latest_csat",
    "latest_ces",
];
/// Numeric features added by [`CustomerFeatures::with_scores`].
///
/// # Examples
///
/// ```
/// use engagement_core::segment::features::SCORE_FEATURES;
/// assert_eq!(SCORE_FEATURES[0], "engagement");
/// ```
pub const SCORE_FEATURES: [&str; 5] = [
    "engagement",
    "emotional",
    "contextual",
    "convenient",
    "social",
];
/// Numeric features added by [`CustomerFeatures::with_rfm`].
///
/// # Examples
///
/// ```
/// use engagement_core::segment::features::RFM_FEATURES;
/// assert!(RFM_FEATURES.contains(&"rfm_score"));
/// ```
pub const RFM_FEATURES: [&str; 4] = ["rfm_r", "rfm_f", "rfm_m", "rfm_score"];
/// Label features: `stage` ([`CustomerFeatures::with_stages`]), `rfm_segment`
/// ([`CustomerFeatures::with_rfm`]) and `acquisition_channel` (profiles).
///
/// # Examples
///
/// ```
/// use engagement_core::segment::features::LABEL_FEATURES;
/// assert_eq!(LABEL_FEATURES, ["stage", "rfm_segment", "acquisition_channel"]);
/// ```
pub const LABEL_FEATURES: [&str; 3] = ["stage", "rfm_segment", "acquisition_channel"];

/// True for a name that segment rules may compare numerically.
pub(crate) fn is_numeric_feature(name: &str) -> bool {
    PROFILE_FEATURES.contains(&name)
        || SCORE_FEATURES.contains(&name)
        || RFM_FEATURES.contains(&name)
        || name
            .strip_prefix("kind.")
            .is_some_and(|k| TouchpointKind::from_label(k).is_ok_and(|v| v.label() == k))
        || name
            .strip_prefix("channel.")
            .is_some_and(|c| Channel::from_label(c).is_ok_and(|v| v.label() == c))
}

/// A label column: codes into `names`, `u16::MAX` where missing.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Labels {
    pub(crate) codes: Vec<u16>,
    pub(crate) names: Vec<String>,
}

/// Features of many customers as columns, in ascending customer id.
///
/// Numeric features are `f64` with NaN for "missing" (no purchase yet, no NPS
/// answer, no RFM score); label features hold names. Start from profiles, then
/// add scores, stages and RFM as needed.
///
/// # Examples
///
/// ```
/// use engagement_core::{CustomerFeatures, ProfileStore, ScoreConfig, Scorer, SignalConfig,
///     StageConfig, StageRules, TouchpointColumns};
/// let day = 86_400;
/// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
///     customer: &[1, 2], time: &[0, 0], channel: &[1, 0], kind: &[4, 2], value: &[50.0, 0.0],
///     ..Default::default()
/// })?;
/// let as_of = 10 * day;
/// let features = CustomerFeatures::from_store(&store, as_of)?
///     .with_scores(&Scorer::new(ScoreConfig::default())?.score_store(&store, as_of)?)?
///     .with_stages(&StageRules::new(StageConfig::default())?.stage_store(&store, as_of)?)?;
/// assert_eq!(features.numeric("revenue"), Some(&[50.0, 0.0][..]));
/// assert!(features.numeric("days_since_last_purchase").unwrap()[1].is_nan());
/// assert_eq!(features.label(1, "stage"), Some("engaged"));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFeatures {
    customer: Vec<u64>,
    numeric: BTreeMap<String, Vec<f64>>,
    labels: BTreeMap<String, Labels>,
}

impl CustomerFeatures {
    /// Profile features of every customer of `store` at `as_of`.
    ///
    /// # Errors
    /// [`EngError::AsOfBeforeData`] when `as_of` is before a customer's last touchpoint.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, SignalConfig, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[4, 9], time: &[0, 0], channel: &[6, 0], kind: &[4, 1], value: &[25.0, 0.0], ..Default::default()
    /// })?;
    /// let f = CustomerFeatures::from_store(&store, 86_400)?;
    /// assert_eq!(f.numeric("kind.purchase"), Some(&[1.0, 0.0][..]));
    /// assert_eq!(f.label(0, "acquisition_channel"), Some("store"));
    /// assert!(CustomerFeatures::from_store(&store, -1).is_err());   // before the data
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_store(store: &ProfileStore, as_of: impl IntoTime) -> Result<Self> {
        let as_of = as_of.unix_seconds();
        let n = store.len();
        let mut numeric: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut cols: Vec<Vec<f64>> = (0..PROFILE_FEATURES.len())
            .map(|_| Vec::with_capacity(n))
            .collect();
        let mut kinds: Vec<Vec<f64>> = (0..TouchpointKind::COUNT)
            .map(|_| Vec::with_capacity(n))
            .collect();
        let mut channels: Vec<Vec<f64>> =
            (0..Channel::COUNT).map(|_| Vec::with_capacity(n)).collect();
        let mut acquisition = Vec::with_capacity(n);
        for p in store.iter() {
            p.check_as_of(as_of)?;
            let days = |t: Option<i64>| t.map_or(f64::NAN, |t| (as_of - t) as f64 / DAY);
            let opt = |v: Option<f64>| v.unwrap_or(f64::NAN);
            let rating = |s| p.latest_rating(s).map_or(f64::NAN, |r| f64::from(r.value));
            let row = [
                p.touches() as f64,
                p.purchases() as f64,
                p.refund_count() as f64,
                p.referrals() as f64,
                p.revenue(),
                p.refunds(),
                p.net_revenue(),
                opt(p.average_order_value()),
                days(p.last_touch()),
                days(p.last_purchase()),
                days(p.first_touch()),
                opt(p.mean_purchase_interval().map(|s| s / DAY)),
                rating(RatingScale::Nps),
                rating(RatingScale::Csat),
                rating(RatingScale::Ces),
            ];
            for (col, v) in cols.iter_mut().zip(row) {
                col.push(v);
            }
            for (col, k) in kinds.iter_mut().zip(TouchpointKind::ALL) {
                col.push(p.kind_count(*k) as f64);
            }
            for (col, c) in channels.iter_mut().zip(Channel::ALL) {
                col.push(p.channel_count(*c) as f64);
            }
            acquisition.push(
                p.acquisition_channel()
                    .map_or(u16::MAX, |c| u16::from(c.code())),
            );
        }
        for (name, col) in PROFILE_FEATURES.iter().zip(cols) {
            numeric.insert((*name).into(), col);
        }
        for (k, col) in TouchpointKind::ALL.iter().zip(kinds) {
            numeric.insert(format!("kind.{}", k.label()), col);
        }
        for (c, col) in Channel::ALL.iter().zip(channels) {
            numeric.insert(format!("channel.{}", c.label()), col);
        }
        let mut labels = BTreeMap::new();
        labels.insert(
            "acquisition_channel".into(),
            Labels {
                codes: acquisition,
                names: Channel::ALL.iter().map(|c| c.label().to_string()).collect(),
            },
        );
        Ok(CustomerFeatures {
            customer: store.customers().to_vec(),
            numeric,
            labels,
        })
    }

    /// All features of every customer of `store` at `as_of`: profile
    /// features plus the scores of `scorer`, the stages of `rules` and RFM
    /// under `rfm` (the same chain as calling each `with_…` in turn).
    ///
    /// # Errors
    /// As the parts: [`EngError::AsOfBeforeData`], [`EngError::Incompatible`]
    /// (store and scorer built with different signals), [`EngError::Config`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, RfmConfig, ScoreConfig, Scorer, StageConfig,
    ///     StageRules, TouchpointColumns};
    /// let scorer = Scorer::new(ScoreConfig::default())?;
    /// let mut store = ProfileStore::with_signals(scorer.signals().clone());
    /// store.push_columns(&TouchpointColumns { customer: &[1], time: &[0], channel: &[1], kind: &[4],
    ///     value: &[20.0], ..Default::default() })?;
    /// let f = CustomerFeatures::standard(&store, 0, &scorer, &StageRules::new(StageConfig::default())?,
    ///     &RfmConfig::default())?;
    /// assert_eq!(f.label(0, "stage"), Some("new_customer"));
    /// assert_eq!(f.numeric("rfm_score"), Some(&[7.0][..])); // R 5, F 1, M 1
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn standard(
        store: &ProfileStore,
        as_of: impl IntoTime,
        scorer: &crate::score::Scorer,
        rules: &crate::journey::StageRules,
        rfm: &crate::score::RfmConfig,
    ) -> Result<Self> {
        let as_of = as_of.unix_seconds();
        let values = crate::score::RfmValues::from_store(store, as_of, rfm.monetary)?;
        Self::from_store(store, as_of)?
            .with_scores(&scorer.score_store(store, as_of)?)?
            .with_stages(&rules.stage_store(store, as_of)?)?
            .with_rfm(&crate::score::rfm_scores(&values, rfm)?)
    }

    /// Row of each of `ids` in these features (`None` for unknown ids).
    fn rows_of(&self, ids: &[u64]) -> Vec<Option<usize>> {
        let index: FxHashMap<u64, usize> = self
            .customer
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, i))
            .collect();
        ids.iter().map(|c| index.get(c).copied()).collect()
    }

    /// A numeric column aligned to these customers from `(ids, values)`;
    /// customers absent from `ids` get NaN.
    fn align(&self, rows: &[Option<usize>], values: &[f64]) -> Vec<f64> {
        let mut col = vec![f64::NAN; self.customer.len()];
        for (r, v) in rows.iter().zip(values) {
            if let Some(r) = r {
                col[*r] = *v;
            }
        }
        col
    }

    fn check_known(&self, what: &str, rows: &[Option<usize>], ids: &[u64]) -> Result<()> {
        match rows.iter().position(Option::is_none) {
            Some(i) => Err(EngError::invalid(
                format!("{what}.customer"),
                ids[i],
                "customer is not in the features (build scores, stages and RFM from the same store)",
            )
            .at_row(i)),
            None => Ok(()),
        }
    }

    /// Adds the engagement score and its four types.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for a customer the features do not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, SignalConfig, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[4, 9], time: &[0, 0], channel: &[6, 0], kind: &[4, 1], value: &[25.0, 0.0], ..Default::default()
    /// })?;
    /// use engagement_core::{ScoreConfig, Scorer};
    /// let scores = Scorer::new(ScoreConfig::default())?.score_store(&store, 0)?;
    /// let f = CustomerFeatures::from_store(&store, 0)?.with_scores(&scores)?;
    /// assert!(f.numeric("convenient").unwrap()[0] > 0.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn with_scores(mut self, scores: &ScoreColumns) -> Result<Self> {
        let rows = self.rows_of(&scores.customer);
        self.check_known("scores", &rows, &scores.customer)?;
        for (name, col) in SCORE_FEATURES.iter().zip([
            &scores.total,
            &scores.emotional,
            &scores.contextual,
            &scores.convenient,
            &scores.social,
        ]) {
            let aligned = self.align(&rows, col);
            self.numeric.insert((*name).into(), aligned);
        }
        Ok(self)
    }

    /// Adds the journey stage.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for a customer the features do not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, SignalConfig, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[4, 9], time: &[0, 0], channel: &[6, 0], kind: &[4, 1], value: &[25.0, 0.0], ..Default::default()
    /// })?;
    /// use engagement_core::{StageConfig, StageRules};
    /// let stages = StageRules::new(StageConfig::default())?.stage_store(&store, 0)?;
    /// let f = CustomerFeatures::from_store(&store, 0)?.with_stages(&stages)?;
    /// assert_eq!(f.label(0, "stage"), Some("new_customer"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn with_stages(mut self, stages: &StageColumns) -> Result<Self> {
        let rows = self.rows_of(&stages.customer);
        self.check_known("stages", &rows, &stages.customer)?;
        let mut codes = vec![u16::MAX; self.customer.len()];
        for (r, s) in rows.iter().zip(&stages.stage) {
            if let Some(r) = r {
                codes[*r] = u16::from(s.code());
            }
        }
        let names = crate::model::JourneyStage::ALL
            .iter()
            .map(|s| s.label().to_string())
            .collect();
        self.labels.insert("stage".into(), Labels { codes, names });
        Ok(self)
    }

    /// Adds the RFM scores and segment (NaN / missing for customers without RFM).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for a customer the features do not have.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, SignalConfig, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[4, 9], time: &[0, 0], channel: &[6, 0], kind: &[4, 1], value: &[25.0, 0.0], ..Default::default()
    /// })?;
    /// use engagement_core::{rfm_scores, MonetaryBasis, RfmConfig, RfmValues};
    /// let rfm = rfm_scores(&RfmValues::from_store(&store, 0, MonetaryBasis::Total)?, &RfmConfig::default())?;
    /// let f = CustomerFeatures::from_store(&store, 0)?.with_rfm(&rfm)?;
    /// assert_eq!(f.numeric("rfm_r").unwrap()[0], 5.0);
    /// assert!(f.numeric("rfm_r").unwrap()[1].is_nan());   // customer 9 never bought
    /// assert_eq!(f.label(1, "rfm_segment"), None);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn with_rfm(mut self, rfm: &RfmScores) -> Result<Self> {
        let rows = self.rows_of(&rfm.customer);
        self.check_known("rfm", &rows, &rfm.customer)?;
        let as_f64 = |v: &[u8]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
        for (name, col) in RFM_FEATURES.iter().zip([
            as_f64(&rfm.r),
            as_f64(&rfm.f),
            as_f64(&rfm.m),
            as_f64(&rfm.score),
        ]) {
            let aligned = self.align(&rows, &col);
            self.numeric.insert((*name).into(), aligned);
        }
        let mut codes = vec![u16::MAX; self.customer.len()];
        for (r, s) in rows.iter().zip(&rfm.segment) {
            if let Some(r) = r {
                codes[*r] = *s;
            }
        }
        self.labels.insert(
            "rfm_segment".into(),
            Labels {
                codes,
                names: rfm.segment_names.clone(),
            },
        );
        Ok(self)
    }

    /// Customer ids, ascending.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, SignalConfig, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[4, 9], time: &[0, 0], channel: &[6, 0], kind: &[4, 1], value: &[25.0, 0.0], ..Default::default()
    /// })?;
    /// let f = CustomerFeatures::from_store(&store, 0)?;
    /// assert_eq!(f.customers(), [4, 9]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn customers(&self) -> &[u64] {
        &self.customer
    }

    /// Number of customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::CustomerFeatures;
    /// assert_eq!(CustomerFeatures::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True when there are no customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::CustomerFeatures;
    /// assert!(CustomerFeatures::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// A numeric feature column, if present.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::CustomerFeatures;
    /// assert_eq!(CustomerFeatures::default().numeric("revenue"), None);
    /// ```
    pub fn numeric(&self, name: &str) -> Option<&[f64]> {
        self.numeric.get(name).map(Vec::as_slice)
    }

    /// The label of feature `name` for row `i` (`None` when missing).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::CustomerFeatures;
    /// assert_eq!(CustomerFeatures::default().label(0, "stage"), None);
    /// ```
    pub fn label(&self, i: usize, name: &str) -> Option<&str> {
        let l = self.labels.get(name)?;
        let code = *l.codes.get(i)?;
        l.names.get(usize::from(code)).map(String::as_str)
    }

    pub(crate) fn labels(&self, name: &str) -> Option<&Labels> {
        self.labels.get(name)
    }
}
