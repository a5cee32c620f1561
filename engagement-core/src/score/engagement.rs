//! Engagement scores, 0–100, with the four engagement types.

use crate::model::time::IntoTime;
use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config, non_negative, positive};
use crate::profile::signals::{DecayedSums, SignalConfig, Signals, TypeWeights};
use crate::profile::{Profile, ProfileStore};

/// How decayed signals become a 0–100 score.
///
/// Each type's decayed, weighted sum `D_j` (see [`SignalConfig`]) becomes a
/// sub-score, and the total is their weighted mean:
///
/// ```text
/// sub_j = 100 · (1 − 2^(−max(D_j, 0) / saturation_j))
/// total = Σ_j mix_j · sub_j / Σ_j mix_j
/// ```
///
/// `saturation_j` is the decayed weight at which a sub-score reaches 50; each
/// further `saturation_j` halves the distance to 100. Negative sums (an
/// emotional signal dominated by complaints or low ratings) score 0.
///
/// | setting | default |
/// |---|---|
/// | `signals` | [`SignalConfig::default()`] (half-life 30 days) |
/// | `saturation` | emotional 3, contextual 5, convenient 5, social 2 |
/// | `mix` | 1 for each type (plain mean) |
///
/// # Examples
///
/// ```
/// use engagement_core::ScoreConfig;
/// let cfg: ScoreConfig = serde_json::from_str(r#"{"mix": {"emotional": 2, "contextual": 1, "convenient": 1, "social": 0}}"#)?;
/// cfg.validate()?;
/// assert_eq!(cfg.signals.half_life_days, 30.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreConfig {
    /// How touchpoints become decayed signals (fixed when profiles are built).
    pub signals: SignalConfig,
    /// Decayed weight per type at which the sub-score is 50.
    pub saturation: TypeWeights,
    /// Weights of the four sub-scores in the total.
    pub mix: TypeWeights,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            signals: SignalConfig::default(),
            saturation: TypeWeights::new(3.0, 5.0, 5.0, 2.0),
            mix: TypeWeights::splat(1.0),
        }
    }
}

impl ScoreConfig {
    /// Checks every value.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the field.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ScoreConfig, TypeWeights};
    /// assert!(ScoreConfig { mix: TypeWeights::splat(-1.0), ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.signals.validate()?;
        for (name, v) in TypeWeights::NAMES.iter().zip(self.saturation.to_array()) {
            positive(&format!("saturation.{name}"), v)?;
        }
        for (name, v) in TypeWeights::NAMES.iter().zip(self.mix.to_array()) {
            non_negative(&format!("mix.{name}"), v)?;
        }
        let total: f64 = self.mix.to_array().iter().sum();
        ensure_config!(
            total > 0.0,
            "mix",
            "at least one type must have a positive weight"
        );
        Ok(())
    }
}

/// A customer's engagement at one time: the total and the four sub-scores, 0–100.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, ProfileStore, ScoreConfig, Scorer, Touchpoint, TouchpointKind as K};
/// let scorer = Scorer::new(ScoreConfig::default())?;
/// let mut store = ProfileStore::with_signals(scorer.signals().clone());
/// store.push(&Touchpoint::new(1, 0, Channel::Social, K::Share))?;
/// let s = scorer.score(store.get(1)?, 0)?;
/// // A share on social: social weight 2 × 1.5 = 3, saturation 2 → 100 (1 − 2^−1.5).
/// assert!((s.social - 100.0 * (1.0 - (-1.5f64).exp2())).abs() < 1e-9);
/// assert_eq!(s.total, s.social / 4.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct EngagementScore {
    /// Weighted mean of the four sub-scores.
    pub total: f64,
    /// Ratings, reviews, feedback; complaints count against.
    pub emotional: f64,
    /// Responses to targeted messages.
    pub contextual: f64,
    /// Self-service and low-friction use.
    pub convenient: f64,
    /// Referrals, shares, public reviews.
    pub social: f64,
}

/// Engagement scores of many customers as columns, in ascending customer id.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, ProfileStore, ScoreConfig, Scorer, Touchpoint, TouchpointKind as K};
/// let scorer = Scorer::new(ScoreConfig::default())?;
/// let mut store = ProfileStore::with_signals(scorer.signals().clone());
/// store.push(&Touchpoint::new(1, 0, Channel::Social, K::Share))?;
/// let cols = scorer.score_store(&store, 0)?;
/// assert_eq!((cols.len(), cols.customer[0]), (1, 1));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreColumns {
    /// Customer ids.
    pub customer: Vec<u64>,
    /// Total score.
    pub total: Vec<f64>,
    /// Emotional sub-score.
    pub emotional: Vec<f64>,
    /// Contextual sub-score.
    pub contextual: Vec<f64>,
    /// Convenient sub-score.
    pub convenient: Vec<f64>,
    /// Social sub-score.
    pub social: Vec<f64>,
}

impl ScoreColumns {
    /// Number of customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::ScoreColumns;
    /// assert_eq!(ScoreColumns::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.customer.len()
    }
    /// True when empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::ScoreColumns;
    /// assert!(ScoreColumns::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
}

/// Scores profiles. Built once from a [`ScoreConfig`], then used for any
/// number of profiles and times.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, ProfileStore, ScoreConfig, Scorer, Touchpoint, TouchpointKind as K};
///
/// let config = ScoreConfig::default();
/// let scorer = Scorer::new(config.clone())?;
/// let mut store = ProfileStore::new(config.signals)?;
/// let day = 86_400;
/// store.push(&Touchpoint::new(1, 10 * day, Channel::Email, K::Click))?;
/// store.push(&Touchpoint::new(1, 10 * day, Channel::Web, K::Purchase).with_value(40.0))?;
/// let now = scorer.score(store.get(1)?, 10 * day)?;
/// let later = scorer.score(store.get(1)?, 40 * day)?;   // one half-life later
/// assert!(now.total > later.total);
/// // contextual: one click weighs 2; saturation 5 → 100·(1 − 2^(−2/5))
/// assert!((now.contextual - 100.0 * (1.0 - (-0.4f64).exp2())).abs() < 1e-9);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Scorer {
    config: ScoreConfig,
    signals: Signals,
    inv_saturation: [f64; 4],
    mix: [f64; 4],
}

impl Scorer {
    /// Validates and compiles a configuration.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the bad field.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ScoreConfig, Scorer, TypeWeights};
    /// assert!(Scorer::new(ScoreConfig { saturation: TypeWeights::splat(0.0), ..Default::default() }).is_err());
    /// ```
    pub fn new(config: ScoreConfig) -> Result<Self> {
        config.validate()?;
        let signals = Signals::new(config.signals.clone())?;
        let inv_saturation = config.saturation.to_array().map(|s| 1.0 / s);
        let m = config.mix.to_array();
        let total: f64 = m.iter().sum();
        let mix = m.map(|w| w / total);
        Ok(Scorer {
            config,
            signals,
            inv_saturation,
            mix,
        })
    }

    /// The configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ScoreConfig, Scorer};
    /// assert_eq!(Scorer::new(ScoreConfig::default())?.config().saturation.social, 2.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn config(&self) -> &ScoreConfig {
        &self.config
    }

    /// The compiled signals (use them to build profiles that this scorer accepts).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ScoreConfig, Scorer};
    /// assert_eq!(Scorer::new(ScoreConfig::default())?.signals().half_life_seconds(), 2_592_000.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn signals(&self) -> &Signals {
        &self.signals
    }

    /// Scores one profile at `as_of` (Unix seconds).
    ///
    /// A profile without touchpoints scores 0 everywhere.
    ///
    /// # Errors
    /// - [`EngError::AsOfBeforeData`] when `as_of` is before the profile's last touchpoint;
    /// - [`EngError::Incompatible`] when the profile was built with other signals.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, ProfileStore, ScoreConfig, Scorer, Touchpoint, TouchpointKind as K};
    /// let scorer = Scorer::new(ScoreConfig::default())?;
    /// let mut store = ProfileStore::with_signals(scorer.signals().clone());
    /// store.push(&Touchpoint::new(1, 0, Channel::Social, K::Share))?;
    /// assert!(scorer.score(store.get(1)?, -5).is_err()); // before the share
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn score(&self, profile: &Profile, as_of: impl IntoTime) -> Result<EngagementScore> {
        let as_of = as_of.unix_seconds();
        profile.check_signals(&self.signals)?;
        profile.check_as_of(as_of)?;
        Ok(self.score_unchecked(profile, as_of))
    }

    fn score_unchecked(&self, profile: &Profile, as_of: i64) -> EngagementScore {
        let cell = profile.decayed().cell();
        self.score_with_scale(profile, DecayedSums::scale_at(&self.signals, cell, as_of))
    }

    /// Scores with the decay scale of the profile's newest cell already known.
    fn score_with_scale(&self, profile: &Profile, scale: f64) -> EngagementScore {
        if profile.touches() == 0 {
            return EngagementScore::default();
        }
        let d = profile.decayed().at_scale(scale);
        let mut sub = [0.0; 4];
        let mut total = 0.0;
        for j in 0..4 {
            if d[j] > 0.0 {
                sub[j] = 100.0 * (1.0 - (-d[j] * self.inv_saturation[j]).exp2());
                total += self.mix[j] * sub[j];
            }
        }
        EngagementScore {
            total: total.clamp(0.0, 100.0),
            emotional: sub[0],
            contextual: sub[1],
            convenient: sub[2],
            social: sub[3],
        }
    }

    /// Scores every customer of a store at `as_of`, in ascending customer id.
    ///
    /// # Errors
    /// As [`score`](Self::score), for the first customer that fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, ProfileStore, ScoreConfig, Scorer, Touchpoint, TouchpointKind as K};
    /// let scorer = Scorer::new(ScoreConfig::default())?;
    /// let mut store = ProfileStore::with_signals(scorer.signals().clone());
    /// store.push(&Touchpoint::new(1, 0, Channel::Social, K::Share))?;
    /// let later = scorer.score_store(&store, 30 * 86_400)?;
    /// let now = scorer.score_store(&store, 0)?;
    /// assert!(later.social[0] < now.social[0]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn score_store(&self, store: &ProfileStore, as_of: impl IntoTime) -> Result<ScoreColumns> {
        let as_of = as_of.unix_seconds();
        if store.signals().fingerprint() != self.signals.fingerprint() {
            return Err(EngError::Incompatible {
                reason: "store was built with a different signal configuration".into(),
            });
        }
        // Most profiles share a handful of newest cells (a cell spans 32
        // half-lives): remember the last cell's decay scale.
        let mut cached: Option<(i64, f64)> = None;
        let (customer, scores) = store.map(|p| {
            p.check_as_of(as_of)?;
            let cell = p.decayed().cell();
            let scale = match cached {
                Some((c, scale)) if c == cell => scale,
                _ => {
                    let scale = DecayedSums::scale_at(&self.signals, cell, as_of);
                    cached = Some((cell, scale));
                    scale
                }
            };
            Ok(self.score_with_scale(p, scale))
        })?;
        Ok(ScoreColumns {
            customer,
            total: scores.iter().map(|s| s.total).collect(),
            emotional: scores.iter().map(|s| s.emotional).collect(),
            contextual: scores.iter().map(|s| s.contextual).collect(),
            convenient: scores.iter().map(|s| s.convenient).collect(),
            social: scores.iter().map(|s| s.social).collect(),
        })
    }

    /// Scores a slice of profiles at `as_of`, keeping their order.
    ///
    /// # Errors
    /// As [`score`](Self::score), for the first profile that fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, ProfileStore, ScoreConfig, Scorer, Touchpoint, TouchpointKind as K};
    /// let scorer = Scorer::new(ScoreConfig::default())?;
    /// let mut store = ProfileStore::with_signals(scorer.signals().clone());
    /// store.push(&Touchpoint::new(1, 0, Channel::Social, K::Share))?;
    /// let profiles = vec![store.get(1)?.clone()];
    /// assert_eq!(scorer.score_profiles(&profiles, 0)?.total, scorer.score_store(&store, 0)?.total);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn score_profiles(
        &self,
        profiles: &[Profile],
        as_of: impl IntoTime,
    ) -> Result<ScoreColumns> {
        let as_of = as_of.unix_seconds();
        let n = profiles.len();
        let mut out = ScoreColumns {
            customer: Vec::with_capacity(n),
            total: Vec::with_capacity(n),
            emotional: Vec::with_capacity(n),
            contextual: Vec::with_capacity(n),
            convenient: Vec::with_capacity(n),
            social: Vec::with_capacity(n),
        };
        for p in profiles {
            let s = self.score(p, as_of)?;
            out.customer.push(p.customer());
            out.total.push(s.total);
            out.emotional.push(s.emotional);
            out.contextual.push(s.contextual);
            out.convenient.push(s.convenient);
            out.social.push(s.social);
        }
        Ok(out)
    }
}

/// Population-relative scores: the percentile rank of each value within the set.
///
/// ```text
/// rank_i = 100 · (#{v < v_i} + ½ · #{v = v_i, including i}) / n
/// ```
///
/// (the mid-rank definition, so ties share a rank and a constant population
/// ranks 50). Results are in (0, 100) and keep the input order.
///
/// # Errors
/// [`EngError::InvalidInput`] for a NaN value (row index given).
///
/// # Examples
///
/// ```
/// use engagement_core::percentile_ranks;
/// assert_eq!(percentile_ranks(&[10.0, 30.0, 20.0, 20.0])?, vec![12.5, 87.5, 50.0, 50.0]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn percentile_ranks(values: &[f64]) -> Result<Vec<f64>> {
    if let Some(i) = values.iter().position(|v| v.is_nan()) {
        return Err(EngError::invalid("score", f64::NAN, "NaN cannot be ranked").at_row(i));
    }
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // `start` values are below; the tie group has `end − start` members.
        let rank = 100.0 * (start as f64 + 0.5 * (end - start) as f64) / n as f64;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    Ok(ranks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel as C, RatingScale, Touchpoint, TouchpointKind as K};

    const DAY: i64 = 86_400;

    fn scorer() -> Scorer {
        Scorer::new(ScoreConfig::default()).unwrap()
    }

    #[test]
    fn closed_form_single_types() {
        let sc = scorer();
        let mut p = Profile::new(1, sc.signals());
        // Two clicks (2 each) and an open (1) at t0 → contextual D = 5 = saturation → 50.
        for k in [K::Click, K::Click, K::Open] {
            p.apply(&Touchpoint::new(1, 100 * DAY, C::Email, k), sc.signals())
                .unwrap();
        }
        let s = sc.score(&p, 100 * DAY).unwrap();
        assert!((s.contextual - 50.0).abs() < 1e-9, "{s:?}");
        assert_eq!(s.emotional, 0.0);
        assert!((s.total - 12.5).abs() < 1e-9);
        // One half-life later D = 2.5 → 100 (1 − 2^−0.5).
        let s = sc.score(&p, 130 * DAY).unwrap();
        assert!(
            (s.contextual - 100.0 * (1.0 - 0.5f64.sqrt())).abs() < 1e-9,
            "{s:?}"
        );
    }

    #[test]
    fn detractors_and_complaints_pull_emotional_to_zero() {
        let sc = scorer();
        let mut p = Profile::new(1, sc.signals());
        p.apply(
            &Touchpoint::new(1, DAY, C::Email, K::SurveyResponse)
                .with_rating(0.0, RatingScale::Nps),
            sc.signals(),
        )
        .unwrap();
        p.apply(
            &Touchpoint::new(1, DAY, C::Phone, K::Complaint),
            sc.signals(),
        )
        .unwrap();
        let s = sc.score(&p, 2 * DAY).unwrap();
        assert_eq!(s.emotional, 0.0);
        assert!(s.contextual > 0.0); // the survey answer itself is a response (0.5)
    }

    #[test]
    fn as_of_before_data_and_foreign_profiles_are_errors() {
        let sc = scorer();
        let mut p = Profile::new(4, sc.signals());
        p.apply(
            &Touchpoint::new(4, 10 * DAY, C::Web, K::Visit),
            sc.signals(),
        )
        .unwrap();
        assert_eq!(
            sc.score(&p, 9 * DAY).unwrap_err(),
            EngError::AsOfBeforeData {
                as_of: 9 * DAY,
                latest: 10 * DAY,
                customer: 4
            }
        );
        let other = Scorer::new(ScoreConfig {
            signals: SignalConfig {
                half_life_days: 3.0,
                ..SignalConfig::default()
            },
            ..ScoreConfig::default()
        })
        .unwrap();
        assert!(matches!(
            other.score(&p, 11 * DAY),
            Err(EngError::Incompatible { .. })
        ));
    }

    #[test]
    fn empty_profile_scores_zero() {
        let sc = scorer();
        let s = sc.score(&Profile::new(1, sc.signals()), 0).unwrap();
        assert_eq!(s.total, 0.0);
    }

    #[test]
    fn config_errors_name_fields() {
        let mut cfg = ScoreConfig::default();
        cfg.saturation.social = 0.0;
        assert!(
            Scorer::new(cfg)
                .unwrap_err()
                .to_string()
                .contains("saturation.social")
        );
        let cfg = ScoreConfig {
            mix: TypeWeights::splat(0.0),
            ..ScoreConfig::default()
        };
        assert!(Scorer::new(cfg).unwrap_err().to_string().contains("mix"));
        assert!(serde_json::from_str::<ScoreConfig>(r#"{"mixx": {}}"#).is_err());
    }

    #[test]
    fn percentile_ranks_handle_ties_and_nan() {
        assert_eq!(percentile_ranks(&[5.0, 5.0]).unwrap(), vec![50.0, 50.0]);
        assert_eq!(percentile_ranks(&[]).unwrap(), Vec::<f64>::new());
        assert_eq!(percentile_ranks(&[1.0, 2.0]).unwrap(), vec![25.0, 75.0]);
        assert!(matches!(
            percentile_ranks(&[1.0, f64::NAN]),
            Err(EngError::InvalidInput { index: Some(1), .. })
        ));
    }

    mod props {
        use super::*;
        use crate::testing;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// Scores stay in 0–100, and never rise as `as_of` moves forward without new events.
            #[test]
            fn prop_scores_in_range_and_decay_monotone(
                events in testing::touchpoints(50),
                gaps in proptest::collection::vec(0i64..400 * DAY, 1..6),
            ) {
                let sc = scorer();
                let mut store = ProfileStore::with_signals(sc.signals().clone());
                for e in &events {
                    store.push(e).unwrap();
                }
                let mut as_of = events.iter().map(|e| e.time).max().unwrap_or(0);
                let mut previous: Option<ScoreColumns> = None;
                for g in gaps {
                    as_of += g;
                    let s = sc.score_store(&store, as_of).unwrap();
                    // The bulk path (shared decay scales, id-order gather) equals one-by-one scoring.
                    prop_assert_eq!(&s.customer[..], store.customers());
                    for (i, c) in s.customer.iter().enumerate() {
                        let one = sc.score(store.get(*c).unwrap(), as_of).unwrap();
                        prop_assert_eq!(one.total, s.total[i]);
                        prop_assert_eq!(one.emotional, s.emotional[i]);
                        prop_assert_eq!(one.social, s.social[i]);
                    }
                    for col in [&s.total, &s.emotional, &s.contextual, &s.convenient, &s.social] {
                        prop_assert!(col.iter().all(|v| (0.0..=100.0).contains(v)), "{:?}", col);
                    }
                    if let Some(p) = &previous {
                        for (now, before) in [(&s.total, &p.total), (&s.emotional, &p.emotional),
                                (&s.contextual, &p.contextual), (&s.convenient, &p.convenient),
                                (&s.social, &p.social)] {
                            for (a, b) in now.iter().zip(before.iter()) {
                                prop_assert!(a <= b, "score rose from {} to {}", b, a);
                            }
                        }
                    }
                    previous = Some(s);
                }
            }
        }
    }
}
