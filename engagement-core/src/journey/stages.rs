//! Journey stage rules: which stage a profile is in at a given time.

use crate::model::time::IntoTime;
use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config, positive};
use crate::model::{Code, JourneyStage, RatingScale};
use crate::profile::{Profile, ProfileStore};

/// Journey stages of many customers as columns, in ascending customer id.
///
/// # Examples
///
/// ```
/// use engagement_core::{JourneyStage, ProfileStore, SignalConfig, StageConfig, StageRules, TouchpointColumns};
/// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
///     customer: &[1], time: &[0], channel: &[1], kind: &[4], ..Default::default() })?;
/// let s = StageRules::new(StageConfig::default())?.stage_store(&store, 0)?;
/// assert_eq!((s.customer, s.stage), (vec![1], vec![JourneyStage::NewCustomer]));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageColumns {
    /// Customer ids.
    pub customer: Vec<u64>,
    /// The stage of each.
    pub stage: Vec<JourneyStage>,
}

impl StageColumns {
    /// Stage columns from stage codes, as the C and Python faces hold them.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] naming the row of an unknown stage code;
    /// [`EngError::LengthMismatch`] for columns of different lengths.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, StageColumns};
    /// let s = StageColumns::from_codes(vec![7], &[3])?;
    /// assert_eq!(s.stage, [JourneyStage::Repeat]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_codes(customer: Vec<u64>, stage: &[u8]) -> Result<Self> {
        if stage.len() != customer.len() {
            return Err(EngError::LengthMismatch {
                field: "stage".into(),
                expected: customer.len(),
                found: stage.len(),
            });
        }
        Ok(StageColumns {
            customer,
            stage: JourneyStage::from_codes(stage)?,
        })
    }
}

const DAY: f64 = 86_400.0;

/// Thresholds of the journey-stage rules (durations in days).
///
/// Rules, checked in this order (the first that holds gives the stage); "since
/// X" means `as_of − X`, and a window `W` is exceeded when more than `W` has
/// passed:
///
/// | stage | rule |
/// |---|---|
/// | churned | ≥ 1 purchase, and since the last interaction (any kind but impression) > `churn_window_days` |
/// | at_risk | ≥ 1 purchase, and since the last purchase > `at_risk_factor` × the customer's purchase interval: the mean interval, at least `min_purchase_interval_days` (with one purchase: `default_purchase_interval_days`) |
/// | advocate | loyal, and ≥ `advocate_min_referrals` referrals or a latest NPS answer ≥ `advocate_min_nps` |
/// | loyal | ≥ `loyal_min_purchases` purchases, and since the last purchase ≤ `loyal_window_days` |
/// | repeat | ≥ 2 purchases |
/// | new_customer | 1 purchase |
/// | engaged | no purchase, and since the last interaction (any kind but impression) ≤ `engaged_window_days` |
/// | prospect | otherwise |
///
/// | setting | default |
/// |---|---|
/// | `engaged_window_days` | 30 |
/// | `loyal_min_purchases` | 4 |
/// | `loyal_window_days` | 90 |
/// | `advocate_min_referrals` | 1 |
/// | `advocate_min_nps` | 9 |
/// | `at_risk_factor` | 2.0 |
/// | `default_purchase_interval_days` | 60 |
/// | `min_purchase_interval_days` | 1 |
/// | `churn_window_days` | 180 |
///
/// Durations are rounded to whole seconds. Impressions (things shown to a
/// customer) never keep a buyer from churning. The minimum interval keeps
/// several purchases in one second or one day (order lines, date-only
/// exports) from making a customer "at risk" a moment later.
///
/// # Examples
///
/// ```
/// use engagement_core::StageConfig;
/// let cfg: StageConfig = serde_json::from_str(r#"{"churn_window_days": 365}"#)?;
/// assert_eq!(cfg.loyal_min_purchases, 4);
/// cfg.validate()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StageConfig {
    /// A prospect with an interaction this recent is engaged: days of
    /// 86,400 s (fractions allowed).
    pub engaged_window_days: f64,
    /// Purchases needed to be loyal.
    pub loyal_min_purchases: u64,
    /// A loyal customer's last purchase is at most this old: days of
    /// 86,400 s.
    pub loyal_window_days: f64,
    /// Referrals that make a loyal customer an advocate.
    pub advocate_min_referrals: u64,
    /// Latest NPS answer that makes a loyal customer an advocate.
    pub advocate_min_nps: f32,
    /// At risk when silent for more than this many purchase intervals.
    pub at_risk_factor: f64,
    /// Purchase interval assumed for one-purchase customers: days of
    /// 86,400 s.
    pub default_purchase_interval_days: f64,
    /// Smallest purchase interval the at-risk rule uses: days of 86,400 s.
    pub min_purchase_interval_days: f64,
    /// Churned after this long without any touchpoint: days of 86,400 s.
    pub churn_window_days: f64,
}

impl Default for StageConfig {
    fn default() -> Self {
        StageConfig {
            engaged_window_days: 30.0,
            loyal_min_purchases: 4,
            loyal_window_days: 90.0,
            advocate_min_referrals: 1,
            advocate_min_nps: 9.0,
            at_risk_factor: 2.0,
            default_purchase_interval_days: 60.0,
            min_purchase_interval_days: 1.0,
            churn_window_days: 180.0,
        }
    }
}

impl StageConfig {
    /// Checks every value.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the field.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::StageConfig;
    /// assert!(StageConfig { at_risk_factor: 0.0, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("engaged_window_days", self.engaged_window_days),
            ("loyal_window_days", self.loyal_window_days),
            ("at_risk_factor", self.at_risk_factor),
            (
                "default_purchase_interval_days",
                self.default_purchase_interval_days,
            ),
            (
                "min_purchase_interval_days",
                self.min_purchase_interval_days,
            ),
            ("churn_window_days", self.churn_window_days),
        ] {
            positive(name, v)?;
            ensure_config!(
                v <= 36_525.0,
                name,
                "must be at most 36525 (100 years), got {v}"
            );
        }
        ensure_config!(
            self.loyal_min_purchases >= 2,
            "loyal_min_purchases",
            "must be at least 2, got {}",
            self.loyal_min_purchases
        );
        RatingScale::Nps.check(self.advocate_min_nps).map_err(|_| {
            EngError::config(
                "advocate_min_nps",
                format!(
                    "must be a whole number 0..=10, got {}",
                    self.advocate_min_nps
                ),
            )
        })?;
        Ok(())
    }
}

/// Validated stage rules with durations in whole seconds.
///
/// # Examples
///
/// ```
/// use engagement_core::{StageConfig, StageRules};
/// let rules = StageRules::new(StageConfig::default())?;
/// assert_eq!(rules.config().churn_window_days, 180.0);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone)]
pub struct StageRules {
    config: StageConfig,
    engaged: i64,
    loyal: i64,
    churn: i64,
    default_interval: f64,
    min_interval: f64,
}

fn secs(days: f64) -> i64 {
    (days * DAY).round() as i64
}

impl StageRules {
    /// Validates a configuration.
    ///
    /// # Errors
    /// As [`StageConfig::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{StageConfig, StageRules};
    /// assert!(StageRules::new(StageConfig { loyal_min_purchases: 0, ..Default::default() }).is_err());
    /// ```
    pub fn new(config: StageConfig) -> Result<Self> {
        config.validate()?;
        Ok(StageRules {
            engaged: secs(config.engaged_window_days),
            loyal: secs(config.loyal_window_days),
            churn: secs(config.churn_window_days),
            default_interval: secs(config.default_purchase_interval_days) as f64,
            min_interval: secs(config.min_purchase_interval_days) as f64,
            config,
        })
    }

    /// The configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{StageConfig, StageRules};
    /// assert_eq!(StageRules::new(StageConfig::default())?.config().loyal_min_purchases, 4);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn config(&self) -> &StageConfig {
        &self.config
    }

    /// Longest silence after the last purchase before the customer is at
    /// risk, in whole seconds (`floor(at_risk_factor × interval)`).
    pub(crate) fn at_risk_after(&self, p: &Profile) -> i64 {
        let interval = p
            .mean_purchase_interval()
            .map_or(self.default_interval, |i| i.max(self.min_interval));
        (self.config.at_risk_factor * interval).floor() as i64
    }

    /// The stage of `profile` at `as_of`, with `as_of` not before its last touch.
    pub(crate) fn stage_unchecked(&self, p: &Profile, as_of: i64) -> JourneyStage {
        let since = |t: Option<i64>| t.map(|t| as_of - t);
        if p.purchases() == 0 {
            return match since(p.last_interaction()) {
                Some(s) if s <= self.engaged => JourneyStage::Engaged,
                _ => JourneyStage::Prospect,
            };
        }
        let since_touch = since(p.last_interaction()).unwrap_or(0);
        let since_purchase = since(p.last_purchase()).unwrap_or(0);
        if since_touch > self.churn {
            return JourneyStage::Churned;
        }
        if since_purchase > self.at_risk_after(p) {
            return JourneyStage::AtRisk;
        }
        let c = &self.config;
        if p.purchases() >= c.loyal_min_purchases && since_purchase <= self.loyal {
            let promoter = p
                .latest_rating(RatingScale::Nps)
                .is_some_and(|r| r.value >= c.advocate_min_nps);
            if p.referrals() >= c.advocate_min_referrals || promoter {
                return JourneyStage::Advocate;
            }
            return JourneyStage::Loyal;
        }
        if p.purchases() >= 2 {
            JourneyStage::Repeat
        } else {
            JourneyStage::NewCustomer
        }
    }

    /// The first time after `after` at which the stage of `p` may change
    /// without a new touchpoint (every rule above compares elapsed time with a
    /// threshold, so the stage is constant between these instants).
    pub(crate) fn next_change(&self, p: &Profile, after: i64) -> Option<i64> {
        let mut candidates = [None; 4];
        if let Some(t) = p.last_interaction() {
            candidates[0] = Some(t.saturating_add(self.engaged).saturating_add(1));
        }
        if let Some(t) = p.last_purchase() {
            candidates[1] = Some(t.saturating_add(self.loyal).saturating_add(1));
            candidates[2] = Some(t.saturating_add(self.at_risk_after(p)).saturating_add(1));
        }
        if let Some(t) = p.last_interaction() {
            candidates[3] = Some(t.saturating_add(self.churn).saturating_add(1));
        }
        candidates
            .into_iter()
            .flatten()
            .filter(|&c| c > after)
            .min()
    }

    /// The stage of `profile` at `as_of` (Unix seconds).
    ///
    /// # Errors
    /// [`EngError::AsOfBeforeData`] when `as_of` is before the profile's last touchpoint.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, Profile, Signals, SignalConfig, StageConfig, StageRules, Touchpoint, Channel, TouchpointKind as K};
    /// let s = Signals::new(SignalConfig::default())?;
    /// let mut p = Profile::new(1, &s);
    /// p.apply(&Touchpoint::new(1, 0, Channel::Email, K::Click), &s)?;
    /// let rules = StageRules::new(StageConfig::default())?;
    /// assert_eq!(rules.stage_of(&p, 86_400)?, JourneyStage::Engaged);
    /// assert!(rules.stage_of(&p, -1).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn stage_of(&self, profile: &Profile, as_of: impl IntoTime) -> Result<JourneyStage> {
        let as_of = as_of.unix_seconds();
        profile.check_as_of(as_of)?;
        Ok(self.stage_unchecked(profile, as_of))
    }

    /// Stages of many profiles at `as_of`, keeping their order.
    ///
    /// # Errors
    /// As [`stage_of`](Self::stage_of), for the first profile that fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, ProfileStore, SignalConfig, StageConfig, StageRules, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 0], channel: &[1, 1], kind: &[0, 4], ..Default::default() })?;
    /// let stages = StageRules::new(StageConfig::default())?.stages(store.iter(), 0)?;
    /// assert_eq!(stages, [JourneyStage::Prospect, JourneyStage::NewCustomer]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn stages<'a>(
        &self,
        profiles: impl IntoIterator<Item = &'a Profile>,
        as_of: impl IntoTime,
    ) -> Result<Vec<JourneyStage>> {
        let as_of = as_of.unix_seconds();
        profiles
            .into_iter()
            .map(|p| self.stage_of(p, as_of))
            .collect()
    }

    /// The stage of every customer of a store at `as_of`, in ascending customer id.
    ///
    /// # Errors
    /// As [`stage_of`](Self::stage_of), for the first customer that fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, ProfileStore, SignalConfig, StageConfig, StageRules, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[9, 3], time: &[0, 0], channel: &[1, 1], kind: &[4, 2], ..Default::default()
    /// })?;
    /// let s = StageRules::new(StageConfig::default())?.stage_store(&store, 86_400)?;
    /// assert_eq!(s.customer, [3, 9]);
    /// assert_eq!(s.stage, [JourneyStage::Engaged, JourneyStage::NewCustomer]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn stage_store(&self, store: &ProfileStore, as_of: impl IntoTime) -> Result<StageColumns> {
        let as_of = as_of.unix_seconds();
        let (customer, stage) = store.map(|p| self.stage_of(p, as_of))?;
        Ok(StageColumns { customer, stage })
    }
}

/// The stage of `profile` at `as_of` under `config` (a one-off convenience;
/// build [`StageRules`] once for many profiles).
///
/// # Errors
/// [`EngError::Config`] for an invalid configuration;
/// [`EngError::AsOfBeforeData`] when `as_of` is before the last touchpoint.
///
/// # Examples
///
/// ```
/// use engagement_core::{stage_of, Channel, JourneyStage, Profile, Signals, SignalConfig,
///     StageConfig, Touchpoint, TouchpointKind as K};
///
/// let signals = Signals::new(SignalConfig::default())?;
/// let day = 86_400;
/// let mut p = Profile::new(1, &signals);
/// p.apply(&Touchpoint::new(1, 0, Channel::Web, K::Purchase).with_value(10.0), &signals)?;
/// let cfg = StageConfig::default();
/// assert_eq!(stage_of(&p, 10 * day, &cfg)?, JourneyStage::NewCustomer);
/// assert_eq!(stage_of(&p, 121 * day, &cfg)?, JourneyStage::AtRisk);   // > 2 × 60 days
/// assert_eq!(stage_of(&p, 181 * day, &cfg)?, JourneyStage::Churned);  // > 180 days silent
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn stage_of(
    profile: &Profile,
    as_of: impl IntoTime,
    config: &StageConfig,
) -> Result<JourneyStage> {
    let as_of = as_of.unix_seconds();
    StageRules::new(config.clone())?.stage_of(profile, as_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel as C, Touchpoint, TouchpointKind as K};
    use crate::profile::signals::{SignalConfig, Signals};

    const DAY: i64 = 86_400;

    fn profile(events: &[(i64, K)]) -> Profile {
        let s = Signals::new(SignalConfig::default()).unwrap();
        let mut p = Profile::new(1, &s);
        for &(t, k) in events {
            let tp = Touchpoint::new(1, t, C::Web, k);
            p.apply(&tp, &s).unwrap();
        }
        p
    }

    fn rules() -> StageRules {
        StageRules::new(StageConfig::default()).unwrap()
    }

    #[test]
    fn prospects_and_engaged() {
        let r = rules();
        let p = profile(&[(0, K::Impression)]);
        assert_eq!(r.stage_of(&p, 0).unwrap(), JourneyStage::Prospect);
        let p = profile(&[(0, K::Click)]);
        assert_eq!(r.stage_of(&p, 30 * DAY).unwrap(), JourneyStage::Engaged);
        assert_eq!(
            r.stage_of(&p, 30 * DAY + 1).unwrap(),
            JourneyStage::Prospect
        );
        // Prospects never churn.
        assert_eq!(r.stage_of(&p, 1000 * DAY).unwrap(), JourneyStage::Prospect);
    }

    #[test]
    fn buyers_move_through_the_stages() {
        let r = rules();
        // Purchases every 10 days: interval 10 d → at risk after 20 d of silence.
        let ev: Vec<(i64, K)> = (0..4).map(|i| (i * 10 * DAY, K::Purchase)).collect();
        let p = profile(&ev);
        assert_eq!(r.stage_of(&p, 30 * DAY).unwrap(), JourneyStage::Loyal);
        assert_eq!(r.stage_of(&p, 50 * DAY).unwrap(), JourneyStage::Loyal);
        assert_eq!(r.stage_of(&p, 50 * DAY + 1).unwrap(), JourneyStage::AtRisk);
        assert_eq!(
            r.stage_of(&p, 210 * DAY + 1).unwrap(),
            JourneyStage::Churned
        );
        let mut ev2 = ev.clone();
        ev2.push((30 * DAY, K::Referral));
        assert_eq!(
            r.stage_of(&profile(&ev2), 31 * DAY).unwrap(),
            JourneyStage::Advocate
        );
        let p = profile(&ev[..2]);
        assert_eq!(r.stage_of(&p, 10 * DAY).unwrap(), JourneyStage::Repeat);
        let p = profile(&ev[..1]);
        assert_eq!(r.stage_of(&p, 0).unwrap(), JourneyStage::NewCustomer);
    }

    #[test]
    fn promoters_become_advocates() {
        let s = Signals::new(SignalConfig::default()).unwrap();
        let mut p = profile(&(0..4).map(|i| (i * DAY, K::Purchase)).collect::<Vec<_>>());
        p.apply(
            &Touchpoint::new(1, 4 * DAY, C::Email, K::SurveyResponse)
                .with_rating(9.0, RatingScale::Nps),
            &s,
        )
        .unwrap();
        assert_eq!(
            rules().stage_of(&p, 4 * DAY).unwrap(),
            JourneyStage::Advocate
        );
    }

    #[test]
    fn next_change_finds_every_boundary() {
        let r = rules();
        let p = profile(&[(0, K::Purchase)]);
        let mut t = 0;
        let mut seen = vec![r.stage_of(&p, 0).unwrap()];
        while let Some(n) = r.next_change(&p, t) {
            let s = r.stage_of(&p, n).unwrap();
            // Just before the boundary the stage is still the old one.
            assert_eq!(r.stage_of(&p, n - 1).unwrap(), *seen.last().unwrap());
            if s != *seen.last().unwrap() {
                seen.push(s);
            }
            t = n;
        }
        assert_eq!(
            seen,
            [
                JourneyStage::NewCustomer,
                JourneyStage::AtRisk,
                JourneyStage::Churned
            ]
        );
    }

    #[test]
    fn same_second_purchases_are_not_at_risk_a_second_later() {
        let r = rules();
        let p = profile(&[(0, K::Purchase), (0, K::Purchase)]);
        assert_eq!(r.stage_of(&p, 1).unwrap(), JourneyStage::Repeat);
        // The minimum interval (1 day) applies: at risk after 2 days.
        assert_eq!(r.stage_of(&p, 2 * DAY).unwrap(), JourneyStage::Repeat);
        assert_eq!(r.stage_of(&p, 2 * DAY + 1).unwrap(), JourneyStage::AtRisk);
    }

    #[test]
    fn impressions_do_not_keep_a_buyer_from_churning() {
        let r = rules();
        let mut ev = vec![(0, K::Purchase)];
        ev.extend((1..=24).map(|m| (m * 30 * DAY, K::Impression)));
        let p = profile(&ev);
        assert_eq!(
            r.stage_of(&p, 24 * 30 * DAY).unwrap(),
            JourneyStage::Churned
        );
    }

    #[test]
    fn config_is_checked() {
        let bad = StageConfig {
            churn_window_days: f64::NAN,
            ..StageConfig::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("churn_window_days")
        );
        let bad = StageConfig {
            advocate_min_nps: 11.0,
            ..StageConfig::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("advocate_min_nps")
        );
        let bad = StageConfig {
            loyal_min_purchases: 1,
            ..StageConfig::default()
        };
        assert!(bad.validate().is_err());
        assert!(rules().stage_of(&profile(&[(10, K::Visit)]), 9).is_err());
    }
}
