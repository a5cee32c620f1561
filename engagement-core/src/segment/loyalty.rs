//! A loyalty programme: points earned by rule, redemptions, expiry, and tiers.
//!
//! Rules, applied to each customer's touchpoints and redemptions in time order:
//!
//! - **Earning.** A purchase earns `value × points_per_currency_unit`; any
//!   touchpoint earns `points_per_kind[kind]` (a review, a referral …). Both are
//!   multiplied by the multiplier of the tier held *just before* the
//!   touchpoint, and rounded down to whole points (after rounding to
//!   micro-points, so 0.29 × 100 earns 29, not 28). Refunds do not take points
//!   back.
//! - **Expiry.** Points expire `expiry_days` after they were earned (oldest
//!   first, in lots).
//! - **Redemption.** A redemption takes points from the oldest unexpired lots;
//!   one that asks for more than the balance is rejected whole, so a balance
//!   never goes negative.
//! - **Tiers.** The tier at time `t` is the highest tier whose threshold is at
//!   most the customer's spend (or points earned, with `tier_basis = points`)
//!   in the window `(t − tier_window_days, t]`. A customer below every
//!   threshold has no tier (multiplier 1). Tiers are lost when old spend leaves
//!   the window, without any new event.
//!
//! At one instant, points due to expire expire first, then touchpoints earn,
//! then redemptions are tried, smallest first. Results never depend on the
//! order of the input rows.

use crate::model::time::IntoTime;
use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config, non_negative, positive};
use crate::model::touchpoint::check_time;
use crate::model::{Code, TouchpointColumns, TouchpointKind};
use crate::segment::ids::TierId;

const DAY: f64 = 86_400.0;

/// What tiers are measured on.
///
/// # Examples
///
/// ```
/// use engagement_core::TierBasis;
/// assert_eq!(serde_json::from_str::<TierBasis>("\"points\"")?, TierBasis::Points);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierBasis {
    /// Purchase value in the window (the default).
    #[default]
    Spend,
    /// Points earned in the window (before redemptions and expiry).
    Points,
}

/// One tier: reached at `threshold`, multiplying points by `multiplier`.
///
/// # Examples
///
/// ```
/// use engagement_core::TierRule;
/// let t: TierRule = serde_json::from_str(r#"{"name": "gold", "threshold": 1000, "multiplier": 1.5}"#)?;
/// assert_eq!(t.multiplier, 1.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRule {
    /// Tier name.
    pub name: String,
    /// Spend (or points) in the window needed to hold the tier.
    pub threshold: f64,
    /// Points multiplier while the tier is held.
    pub multiplier: f64,
}

/// The programme's rules.
///
/// | setting | default |
/// |---|---|
/// | `points_per_currency_unit` | 1 |
/// | `points_per_kind` | review 50, referral 200, survey_response 10 |
/// | `expiry_days` | 365 |
/// | `tier_basis` | `spend` |
/// | `tier_window_days` | 365 |
/// | `tiers` | silver 500 (×1.25), gold 1500 (×1.5), platinum 5000 (×2) |
///
/// # Examples
///
/// ```
/// use engagement_core::LoyaltyConfig;
/// let cfg: LoyaltyConfig = serde_json::from_str(r#"{"expiry_days": 180, "points_per_kind": {"referral": 500}}"#)?;
/// cfg.validate()?;
/// assert_eq!(cfg.tiers.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoyaltyConfig {
    /// Points per currency unit of purchase value.
    pub points_per_currency_unit: f64,
    /// Points per touchpoint of a kind.
    pub points_per_kind: BTreeMap<TouchpointKind, f64>,
    /// Points expire this many days (of 86,400 s, fractions allowed) after
    /// they were earned.
    pub expiry_days: f64,
    /// What tiers are measured on.
    pub tier_basis: TierBasis,
    /// Length of the rolling tier window, in days of 86,400 s.
    pub tier_window_days: f64,
    /// Tiers, by ascending threshold.
    pub tiers: Vec<TierRule>,
}

impl Default for LoyaltyConfig {
    fn default() -> Self {
        let tier = |name: &str, threshold, multiplier| TierRule {
            name: name.into(),
            threshold,
            multiplier,
        };
        LoyaltyConfig {
            points_per_currency_unit: 1.0,
            points_per_kind: [
                (TouchpointKind::Review, 50.0),
                (TouchpointKind::Referral, 200.0),
                (TouchpointKind::SurveyResponse, 10.0),
            ]
            .into_iter()
            .collect(),
            expiry_days: 365.0,
            tier_basis: TierBasis::Spend,
            tier_window_days: 365.0,
            tiers: vec![
                tier("silver", 500.0, 1.25),
                tier("gold", 1500.0, 1.5),
                tier("platinum", 5000.0, 2.0),
            ],
        }
    }
}

impl LoyaltyConfig {
    /// Checks every value.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the field: negative or non-finite rates,
    /// a non-positive expiry or window, tiers not in strictly ascending
    /// threshold order, a multiplier below 1 or above 100.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::LoyaltyConfig;
    /// let mut cfg = LoyaltyConfig::default();
    /// cfg.tiers[2].multiplier = 0.5;
    /// assert!(cfg.validate().unwrap_err().to_string().contains("tiers[2].multiplier"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        non_negative("points_per_currency_unit", self.points_per_currency_unit)?;
        ensure_config!(
            self.points_per_currency_unit <= 1e6,
            "points_per_currency_unit",
            "must be at most 1e6"
        );
        for (k, v) in &self.points_per_kind {
            non_negative(&format!("points_per_kind.{k}"), *v)?;
            ensure_config!(
                *v <= 1e9,
                format!("points_per_kind.{k}"),
                "must be at most 1e9"
            );
        }
        positive("expiry_days", self.expiry_days)?;
        positive("tier_window_days", self.tier_window_days)?;
        ensure_config!(
            self.expiry_days <= 36_525.0,
            "expiry_days",
            "must be at most 36525"
        );
        ensure_config!(
            self.tier_window_days <= 36_525.0,
            "tier_window_days",
            "must be at most 36525"
        );
        ensure_config!(
            self.tiers.len() < usize::from(u16::MAX),
            "tiers",
            "too many tiers"
        );
        for (i, t) in self.tiers.iter().enumerate() {
            positive(&format!("tiers[{i}].threshold"), t.threshold)?;
            ensure_config!(
                t.multiplier.is_finite() && (1.0..=100.0).contains(&t.multiplier),
                format!("tiers[{i}].multiplier"),
                "must lie in 1..=100, got {}",
                t.multiplier
            );
            ensure_config!(
                !t.name.trim().is_empty(),
                format!("tiers[{i}].name"),
                "must not be empty"
            );
            if i > 0 {
                ensure_config!(
                    t.threshold > self.tiers[i - 1].threshold,
                    format!("tiers[{i}].threshold"),
                    "tiers must be listed by strictly ascending threshold"
                );
            }
        }
        Ok(())
    }
}

/// Point redemptions as columns.
///
/// # Examples
///
/// ```
/// use engagement_core::{run_loyalty, LoyaltyConfig, RedemptionColumns, TouchpointColumns};
/// let day = 86_400;
/// let report = run_loyalty(
///     &TouchpointColumns { customer: &[3, 3], time: &[0, day], channel: &[1, 3], kind: &[4, 7],
///                          value: &[600.0, 0.0], ..Default::default() },
///     &RedemptionColumns { customer: &[3], time: &[2 * day], points: &[100] },
///     10 * day,
///     &LoyaltyConfig::default(),
/// )?;
/// assert_eq!(report.accounts.redeemed, [100]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RedemptionColumns<'a> {
    /// Customer id per redemption.
    pub customer: &'a [u64],
    /// Time per redemption, Unix seconds.
    pub time: &'a [i64],
    /// Points asked for (> 0).
    pub points: &'a [u64],
}

/// Each customer's points and tier at `as_of`, in ascending customer id.
///
/// # Examples
///
/// ```
/// use engagement_core::{run_loyalty, LoyaltyConfig, RedemptionColumns, TouchpointColumns};
/// let day = 86_400;
/// let report = run_loyalty(
///     &TouchpointColumns { customer: &[3, 3], time: &[0, day], channel: &[1, 3], kind: &[4, 7],
///                          value: &[600.0, 0.0], ..Default::default() },
///     &RedemptionColumns { customer: &[3], time: &[2 * day], points: &[100] },
///     10 * day,
///     &LoyaltyConfig::default(),
/// )?;
/// // 600 for the purchase; the referral earns 200 × 1.25 as silver (reached with the purchase).
/// let a = &report.accounts;
/// assert_eq!((a.earned[0], a.balance[0], a.expired[0]), (850, 750, 0));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoyaltyAccounts {
    /// Customer ids.
    pub customer: Vec<u64>,
    /// Points available at `as_of`.
    pub balance: Vec<u64>,
    /// Points earned in all (counters saturate at 2⁶⁴ − 1).
    pub earned: Vec<u64>,
    /// Points redeemed.
    pub redeemed: Vec<u64>,
    /// Points expired.
    pub expired: Vec<u64>,
    /// Redemptions rejected for lack of points.
    pub rejected_redemptions: Vec<u32>,
    /// Tier at `as_of` (an index into `tier_names`), `None` below every tier.
    pub tier: Vec<Option<TierId>>,
    /// Tier names.
    pub tier_names: Vec<String>,
}

impl LoyaltyAccounts {
    /// The id of the tier named `name`, if there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::LoyaltyAccounts;
    /// let a = LoyaltyAccounts { tier_names: vec!["silver".into(), "gold".into()], ..Default::default() };
    /// let gold = a.tier_id("gold").unwrap();
    /// assert!(gold > a.tier_id("silver").unwrap());   // tiers ascend
    /// assert_eq!(a.tier_name(gold), Some("gold"));
    /// ```
    pub fn tier_id(&self, name: &str) -> Option<TierId> {
        self.tier_names
            .iter()
            .position(|n| n == name)
            .map(|i| TierId::new(i as u16))
    }

    /// The name of tier `id`, if it is one of these.
    pub fn tier_name(&self, id: TierId) -> Option<&str> {
        self.tier_names.get(id.index()).map(String::as_str)
    }

    /// Reads accounts from JSON: their own form, or a whole
    /// [`LoyaltyReport`] (as the loyalty calls return it), whose `accounts`
    /// are taken, so that what a loyalty run returns is what a
    /// next-best-action call takes.
    ///
    /// # Errors
    /// [`EngError::Json`] naming the place when the text is neither.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::LoyaltyAccounts;
    /// let accounts = r#"{"customer":[3],"balance":[40],"earned":[40],"redeemed":[0],"expired":[0],
    ///     "rejected_redemptions":[0],"tier":[null],"tier_names":["silver"]}"#;
    /// let report = format!(r#"{{"accounts":{accounts},"history":{{"customer":[],"tier":[],"since":[]}}}}"#);
    /// assert_eq!(LoyaltyAccounts::from_json(&report)?, LoyaltyAccounts::from_json(accounts)?);
    /// assert!(LoyaltyAccounts::from_json(r#"{"accounts": 1}"#).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self> {
        let value: serde_json::Value = crate::limits::from_json(text)?;
        let accounts = match value.get("accounts") {
            Some(inner) if value.get("customer").is_none() => inner.clone(),
            _ => value,
        };
        serde_path_to_error::deserialize(accounts).map_err(crate::limits::located)
    }
}

/// When customers reached or lost tiers: from `since[i]` on, customer
/// `customer[i]` holds `tier[i]` (`None`: no tier). The first entry of a
/// customer is the first tier they reached.
///
/// # Examples
///
/// ```
/// use engagement_core::{run_loyalty, LoyaltyConfig, RedemptionColumns, TouchpointColumns};
/// let day = 86_400;
/// let report = run_loyalty(
///     &TouchpointColumns { customer: &[3, 3], time: &[0, day], channel: &[1, 3], kind: &[4, 7],
///                          value: &[600.0, 0.0], ..Default::default() },
///     &RedemptionColumns { customer: &[3], time: &[2 * day], points: &[100] },
///     10 * day,
///     &LoyaltyConfig::default(),
/// )?;
/// let silver = report.accounts.tier_id("silver");
/// assert_eq!((report.history.tier.clone(), report.history.since.clone()), (vec![silver], vec![0]));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TierHistory {
    /// Customer ids.
    pub customer: Vec<u64>,
    /// Tier held from `since` on.
    pub tier: Vec<Option<TierId>>,
    /// Unix seconds.
    pub since: Vec<i64>,
}

impl TierHistory {
    /// Appends another's entries (of customers after this one's).
    pub(crate) fn extend(&mut self, other: &TierHistory) {
        self.customer.extend_from_slice(&other.customer);
        self.tier.extend_from_slice(&other.tier);
        self.since.extend_from_slice(&other.since);
    }

    /// Records that `customer` holds `tier` from `t` on. A change at the same
    /// instant as the previous one replaces it (a tier lost and regained in
    /// one second is no change at all).
    fn record(&mut self, customer: u64, tier: Option<TierId>, t: i64) {
        let n = self.customer.len();
        if n > 0 && self.customer[n - 1] == customer && self.since[n - 1] == t {
            self.customer.pop();
            self.tier.pop();
            self.since.pop();
            let m = n - 1;
            let previous = if m > 0 && self.customer[m - 1] == customer {
                self.tier[m - 1]
            } else {
                None
            };
            if previous == tier {
                return;
            }
        }
        self.customer.push(customer);
        self.tier.push(tier);
        self.since.push(t);
    }
}

/// The result of running the programme: accounts and tier history.
///
/// # Examples
///
/// ```
/// use engagement_core::{run_loyalty, LoyaltyConfig, RedemptionColumns, TouchpointColumns};
/// let day = 86_400;
/// let report = run_loyalty(
///     &TouchpointColumns { customer: &[3, 3], time: &[0, day], channel: &[1, 3], kind: &[4, 7],
///                          value: &[600.0, 0.0], ..Default::default() },
///     &RedemptionColumns { customer: &[3], time: &[2 * day], points: &[100] },
///     10 * day,
///     &LoyaltyConfig::default(),
/// )?;
/// assert_eq!(report.accounts.tier_names[0], "silver");
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoyaltyReport {
    /// Balances and tiers at `as_of`.
    pub accounts: LoyaltyAccounts,
    /// Tier changes up to `as_of`.
    pub history: TierHistory,
}

/// One customer's event. Events are processed in time order; at one
/// instant touchpoints first, then redemptions, smallest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// A touchpoint: (time, 0, row).
    Touch(i64, u8, usize),
    /// A redemption: (time, 1, points, row).
    Redeem(i64, u8, u64, usize),
}

impl Event {
    fn time(&self) -> i64 {
        match self {
            Event::Touch(t, ..) | Event::Redeem(t, ..) => *t,
        }
    }

    /// (time, 0 for a touchpoint or 1, points, row).
    fn key(&self) -> (i64, u8, u64, usize) {
        match *self {
            Event::Touch(t, tag, row) => (t, tag, 0, row),
            Event::Redeem(t, tag, points, row) => (t, tag, points, row),
        }
    }
}

/// By time first (a derived order would put every touchpoint before every
/// redemption, whatever their times).
impl Ord for Event {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

pub(crate) struct Programme<'a> {
    config: &'a LoyaltyConfig,
    expiry: i64,
    window: i64,
}

impl<'a> Programme<'a> {
    pub(crate) fn new(config: &'a LoyaltyConfig) -> Self {
        Programme {
            config,
            expiry: (config.expiry_days * DAY).round() as i64,
            window: (config.tier_window_days * DAY).round() as i64,
        }
    }
}

impl Programme<'_> {
    /// Tier index for a basis amount (in micro-units for spend, points otherwise).
    fn tier_for(&self, amount: i128) -> Option<TierId> {
        let scale = if self.config.tier_basis == TierBasis::Spend {
            crate::model::MICROS_PER_UNIT
        } else {
            1.0
        };
        self.config
            .tiers
            .iter()
            .rposition(|t| amount as f64 >= t.threshold * scale)
            .map(|i| TierId::new(i as u16))
    }

    fn multiplier(&self, tier: Option<TierId>) -> f64 {
        tier.map_or(1.0, |i| self.config.tiers[usize::from(i)].multiplier)
    }

    /// Runs one customer's events (in processing order, all later than the
    /// ledger's) through the ledger, recording tier changes in `history`.
    pub(crate) fn run_events(
        &self,
        l: &mut Ledger,
        customer: u64,
        events: &[Event],
        tps: &TouchpointColumns<'_>,
        history: &mut TierHistory,
    ) {
        let mut k = 0;
        while k < events.len() {
            let t = events[k].time();
            l.advance(self, customer, t, history);
            let before = l.tier;
            let mut added: i128 = 0;
            // Touchpoints at t earn with the tier held just before t.
            while k < events.len() && events[k].time() == t {
                match events[k] {
                    Event::Touch(_, _, row) => {
                        let kind = TouchpointKind::ALL
                            .get(usize::from(tps.kind[row]))
                            .copied()
                            .unwrap_or(TouchpointKind::Other);
                        let value = tps.value.get(row).copied().unwrap_or(0.0);
                        let mut base = self
                            .config
                            .points_per_kind
                            .get(&kind)
                            .copied()
                            .unwrap_or(0.0);
                        if kind == TouchpointKind::Purchase {
                            base += value * self.config.points_per_currency_unit;
                        }
                        // Rounded to micro-points first, so that 0.29 × 100 is 29 points, not
                        // 28 (binary floating point gives 28.999…); the float→int cast saturates.
                        let micro_points = (base * self.multiplier(before) * 1e6).round();
                        let pts = (micro_points / 1e6).floor() as u64;
                        l.earn(t, pts);
                        added += match self.config.tier_basis {
                            TierBasis::Spend if kind == TouchpointKind::Purchase => {
                                i128::from(crate::model::money::micros(value))
                            }
                            TierBasis::Points => i128::from(pts),
                            TierBasis::Spend => 0,
                        };
                    }
                    Event::Redeem(_, _, want, _) => l.redeem(want),
                }
                k += 1;
            }
            if added > 0 {
                l.window.push_back((t, added));
                l.in_window += added;
            }
            let now = self.tier_for(l.in_window);
            if now != l.tier {
                l.tier = now;
                history.record(customer, now, t);
            }
        }
    }

    /// Moves the ledger to `as_of` (recording the tier changes on the way)
    /// and writes the customer's account.
    pub(crate) fn close(
        &self,
        mut l: Ledger,
        customer: u64,
        as_of: i64,
        acc: &mut LoyaltyAccounts,
        history: &mut TierHistory,
    ) {
        l.advance(self, customer, as_of, history);
        acc.customer.push(customer);
        acc.balance
            .push(l.lots.iter().fold(0u64, |a, x| a.saturating_add(x.1)));
        acc.earned.push(l.earned);
        acc.redeemed.push(l.redeemed);
        acc.expired.push(l.expired);
        acc.rejected_redemptions.push(l.rejected);
        acc.tier.push(l.tier);
    }
}

/// One customer's running state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct Ledger {
    earned: u64,
    redeemed: u64,
    expired: u64,
    rejected: u32,
    /// Unexpired points: (earned at, points left), oldest first.
    lots: VecDeque<(i64, u64)>,
    /// Contributions to the tier basis: (time, amount), oldest first.
    window: VecDeque<(i64, i128)>,
    in_window: i128,
    tier: Option<TierId>,
}

impl Ledger {
    /// Checks a ledger read from a saved state: lots and tier-window
    /// contributions in time order between 1970 and `last`, lots of points,
    /// the window's sum its contributions', and the tier the one that sum
    /// earns (so no arithmetic on it can overflow or index past the tiers).
    pub(crate) fn check(&self, p: &Programme<'_>, last: i64) -> std::result::Result<(), String> {
        let span = crate::model::MIN_TIME..=last;
        let in_order = |times: &[i64]| {
            times.iter().all(|t| span.contains(t)) && times.windows(2).all(|w| w[0] <= w[1])
        };
        let lots: Vec<i64> = self.lots.iter().map(|l| l.0).collect();
        let window: Vec<i64> = self.window.iter().map(|w| w.0).collect();
        if !in_order(&lots) || self.lots.iter().any(|l| l.1 == 0) {
            return Err(
                "its loyalty lots are out of order, empty or later than its latest time".into(),
            );
        }
        if !in_order(&window) {
            return Err("its tier window is out of order or later than its latest time".into());
        }
        let sum = self
            .window
            .iter()
            .try_fold(0i128, |a, w| a.checked_add(w.1))
            .filter(|&s| s == self.in_window);
        if sum.is_none() || self.window.iter().any(|w| w.1.unsigned_abs() > 1 << 100) {
            return Err("its tier window does not add up".into());
        }
        if self.tier != p.tier_for(self.in_window) {
            return Err("its tier is not the one its window earns".into());
        }
        Ok(())
    }

    /// Moves the clock to `t`: expires lots due by `t` and drops window
    /// contributions that no longer count at `t`, recording the tier changes
    /// this causes at the instants they happen.
    fn advance(&mut self, p: &Programme<'_>, customer: u64, t: i64, history: &mut TierHistory) {
        while let Some(&(at, pts)) = self.lots.front() {
            if at + p.expiry > t {
                break;
            }
            self.expired = self.expired.saturating_add(pts);
            self.lots.pop_front();
        }
        while let Some(&(at, amount)) = self.window.front() {
            let leaves = at + p.window; // the first instant it no longer counts
            if leaves > t {
                break;
            }
            self.in_window -= amount;
            self.window.pop_front();
            let now = p.tier_for(self.in_window);
            if now != self.tier {
                self.tier = now;
                history.record(customer, now, leaves);
            }
        }
    }

    fn earn(&mut self, t: i64, pts: u64) {
        if pts == 0 {
            return;
        }
        self.earned = self.earned.saturating_add(pts);
        match self.lots.back_mut() {
            Some(last) if last.0 == t => last.1 = last.1.saturating_add(pts),
            _ => self.lots.push_back((t, pts)),
        }
    }

    /// Takes `want` points from the oldest lots, or rejects the redemption whole.
    fn redeem(&mut self, want: u64) {
        let available = self.lots.iter().fold(0u64, |a, x| a.saturating_add(x.1));
        if want > available {
            self.rejected = self.rejected.saturating_add(1);
            return;
        }
        let mut left = want;
        while left > 0 {
            // `available >= want`, so a lot is always there.
            let Some(front) = self.lots.front_mut() else {
                break;
            };
            let take = front.1.min(left);
            front.1 -= take;
            left -= take;
            if front.1 == 0 {
                self.lots.pop_front();
            }
        }
        self.redeemed = self.redeemed.saturating_add(want);
    }
}

/// The number of redemptions, after checking their columns.
pub(crate) fn check_redemptions(redemptions: &RedemptionColumns<'_>) -> Result<usize> {
    let m = redemptions.customer.len();
    for (field, len) in [
        ("time", redemptions.time.len()),
        ("points", redemptions.points.len()),
    ] {
        if len != m {
            return Err(EngError::LengthMismatch {
                field: format!("redemptions.{field}"),
                expected: m,
                found: len,
            });
        }
    }
    for i in 0..m {
        check_time("redemptions.time", redemptions.time[i]).map_err(|e| e.at_row(i))?;
        if redemptions.points[i] == 0 {
            return Err(EngError::invalid(
                "redemptions.points",
                0,
                "a redemption asks for at least one point",
            )
            .at_row(i));
        }
    }
    Ok(m)
}

/// Runs the loyalty programme over touchpoints and redemptions up to `as_of`.
///
/// # Errors
/// - [`EngError::Config`] for an invalid configuration;
/// - as [`TouchpointColumns::validate`], and [`EngError::LengthMismatch`] /
///   [`EngError::InvalidInput`] for redemption columns (zero points, bad time);
/// - [`EngError::AsOfBeforeData`] when an event is later than `as_of`.
///
/// # Examples
///
/// ```
/// use engagement_core::{run_loyalty, LoyaltyConfig, RedemptionColumns, TouchpointColumns};
/// let day = 86_400;
/// // Two purchases of 400: the second is made as silver (spend 400 < 500 before it, so no).
/// let report = run_loyalty(
///     &TouchpointColumns { customer: &[1, 1], time: &[0, 10 * day], channel: &[1, 1], kind: &[4, 4],
///                          value: &[400.0, 400.0], ..Default::default() },
///     &RedemptionColumns { customer: &[1, 1], time: &[20 * day, 21 * day], points: &[300, 600] },
///     30 * day,
///     &LoyaltyConfig::default(),
/// )?;
/// let a = &report.accounts;
/// assert_eq!((a.earned[0], a.redeemed[0], a.balance[0], a.rejected_redemptions[0]), (800, 300, 500, 1));
/// assert_eq!(a.tier_names[usize::from(a.tier[0].unwrap())], "silver");   // 800 in the last 365 days
/// assert_eq!(report.history.since, [10 * day]);                          // reached silver on day 10
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn run_loyalty(
    touchpoints: &TouchpointColumns<'_>,
    redemptions: &RedemptionColumns<'_>,
    as_of: impl IntoTime,
    config: &LoyaltyConfig,
) -> Result<LoyaltyReport> {
    let as_of = as_of.unix_seconds();
    config.validate()?;
    let n = touchpoints.validate()?;
    let m = check_redemptions(redemptions)?;
    let late = (0..n)
        .map(|i| (touchpoints.time[i], touchpoints.customer[i]))
        .chain((0..m).map(|i| (redemptions.time[i], redemptions.customer[i])))
        .max();
    if let Some((t, c)) = late
        && t > as_of
    {
        return Err(EngError::AsOfBeforeData {
            as_of,
            latest: t,
            customer: c,
        });
    }
    let mut events: Vec<(u64, Event)> = Vec::with_capacity(n + m);
    for i in 0..n {
        events.push((
            touchpoints.customer[i],
            Event::Touch(touchpoints.time[i], 0, i),
        ));
    }
    for i in 0..m {
        events.push((
            redemptions.customer[i],
            Event::Redeem(redemptions.time[i], 1, redemptions.points[i], i),
        ));
    }
    // Touch rows only differ in what they earn, whose sum is order-free; redemptions at one
    // instant are tried smallest first (then by row, which cannot change the outcome of equal asks).
    events.sort_unstable();
    let programme = Programme::new(config);
    let mut report = LoyaltyReport::default();
    report.accounts.tier_names = config.tiers.iter().map(|t| t.name.clone()).collect();
    let mut start = 0;
    let mut buffer: Vec<Event> = Vec::new();
    while start < events.len() {
        let c = events[start].0;
        let mut end = start;
        buffer.clear();
        while end < events.len() && events[end].0 == c {
            buffer.push(events[end].1);
            end += 1;
        }
        let mut ledger = Ledger::default();
        programme.run_events(&mut ledger, c, &buffer, touchpoints, &mut report.history);
        programme.close(ledger, c, as_of, &mut report.accounts, &mut report.history);
        start = end;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const D: i64 = 86_400;

    fn purchases(times: &[i64]) -> (Vec<u64>, Vec<u8>, Vec<u8>) {
        (
            vec![1; times.len()],
            vec![1; times.len()],
            vec![4; times.len()],
        )
    }

    #[test]
    fn a_redemption_before_the_points_are_earned_is_rejected() {
        // Events are processed by time: the redemption on day 0 finds no
        // points (the purchase comes on day 5), whatever the event types.
        let r = run_loyalty(
            &TouchpointColumns {
                customer: &[1],
                time: &[5 * D],
                channel: &[1],
                kind: &[4],
                value: &[56.0],
                ..Default::default()
            },
            &RedemptionColumns {
                customer: &[1, 1],
                time: &[0, 6 * D],
                points: &[1, 6],
            },
            10 * D,
            &LoyaltyConfig::default(),
        )
        .unwrap();
        let a = &r.accounts;
        assert_eq!(
            (a.rejected_redemptions[0], a.redeemed[0], a.balance[0]),
            (1, 6, 50)
        );
    }

    #[test]
    fn expiry_multipliers_and_tier_loss() {
        let times = [0, 10 * D, 20 * D, 400 * D];
        let values = [300.0, 300.0, 100.0, 10.0];
        let (c, ch, k) = purchases(&times);
        let cfg = LoyaltyConfig::default();
        let r = run_loyalty(
            &TouchpointColumns {
                customer: &c,
                time: &times,
                channel: &ch,
                kind: &k,
                value: &values,
                ..Default::default()
            },
            &RedemptionColumns::default(),
            800 * D,
            &cfg,
        )
        .unwrap();
        let a = &r.accounts;
        // Day 0: 300 pts; day 10: 300 pts (spend before = 300 < 500); now 600 → silver;
        // day 20: 100 × 1.25 = 125; day 400: spend in window (35 d..400 d] = 10 → no tier, 10 pts.
        assert_eq!(a.earned[0], 300 + 300 + 125 + 10);
        // Lots from days 0, 10, 20 expire on days 365, 375, 385; day 400's lot expires on day 765.
        assert_eq!(a.expired[0], 300 + 300 + 125 + 10);
        assert_eq!(a.balance[0], 0);
        // Silver from day 10 until the day-0 purchase leaves the window on day 365: spend drops to 400.
        assert_eq!(r.history.tier, [Some(TierId::new(0)), None]);
        assert_eq!(r.history.since, [10 * D, 365 * D]);
        assert_eq!(a.tier[0], None);
    }

    #[test]
    fn points_are_exact_and_saturate() {
        let cfg = LoyaltyConfig {
            points_per_currency_unit: 100.0,
            tiers: vec![],
            ..LoyaltyConfig::default()
        };
        for (value, points) in [(0.29, 29), (4.35, 435), (0.01, 1)] {
            let r = run_loyalty(
                &TouchpointColumns {
                    customer: &[1],
                    time: &[0],
                    channel: &[1],
                    kind: &[4],
                    value: &[value],
                    ..Default::default()
                },
                &RedemptionColumns::default(),
                0,
                &cfg,
            )
            .unwrap();
            assert_eq!(r.accounts.earned, [points], "{value}");
        }
        let huge = LoyaltyConfig {
            points_per_currency_unit: 1e6,
            ..LoyaltyConfig::default()
        };
        let r = run_loyalty(
            &TouchpointColumns {
                customer: &[1; 30],
                time: &[0; 30],
                channel: &[1; 30],
                kind: &[4; 30],
                value: &[1e12; 30],
                ..Default::default()
            },
            &RedemptionColumns::default(),
            0,
            &huge,
        )
        .unwrap();
        assert_eq!(r.accounts.earned, [u64::MAX]);
    }

    #[test]
    fn a_tier_lost_and_regained_in_one_second_is_no_change() {
        // 600 on day 0 (silver); on day 365 it leaves the window while 600 more is spent.
        let times = [0, 365 * D];
        let values = [600.0, 600.0];
        let (c, ch, k) = purchases(&times);
        let r = run_loyalty(
            &TouchpointColumns {
                customer: &c,
                time: &times,
                channel: &ch,
                kind: &k,
                value: &values,
                ..Default::default()
            },
            &RedemptionColumns::default(),
            366 * D,
            &LoyaltyConfig::default(),
        )
        .unwrap();
        assert_eq!(r.history.tier, [Some(TierId::new(0))]);
        assert_eq!(r.history.since, [0]);
    }

    #[test]
    fn errors() {
        let empty = TouchpointColumns::default();
        let bad = RedemptionColumns {
            customer: &[1],
            time: &[5],
            points: &[0],
        };
        assert!(matches!(
            run_loyalty(&empty, &bad, 10, &LoyaltyConfig::default()),
            Err(EngError::InvalidInput { .. })
        ));
        let late = RedemptionColumns {
            customer: &[1],
            time: &[50],
            points: &[1],
        };
        assert!(matches!(
            run_loyalty(&empty, &late, 10, &LoyaltyConfig::default()),
            Err(EngError::AsOfBeforeData { .. })
        ));
        let mut cfg = LoyaltyConfig::default();
        cfg.tiers.swap(0, 1);
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("tiers[1].threshold")
        );
        cfg = LoyaltyConfig {
            expiry_days: 0.0,
            ..LoyaltyConfig::default()
        };
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("expiry_days")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The ledger never overdraws, balances add up, and shuffled input replays to the same report.
        #[test]
        fn prop_ledger_consistent_and_replayable(
            buys in prop::collection::vec((1u64..4, 0i64..900, 0u32..3000), 0..40),
            asks in prop::collection::vec((1u64..4, 0i64..900, 1u64..800), 0..20),
            seed in any::<u64>(),
        ) {
            let tc: Vec<u64> = buys.iter().map(|b| b.0).collect();
            let tt: Vec<i64> = buys.iter().map(|b| b.1 * D).collect();
            let tv: Vec<f64> = buys.iter().map(|b| f64::from(b.2)).collect();
            let ch = vec![1u8; buys.len()];
            let kd: Vec<u8> = buys.iter().map(|b| if b.2 % 7 == 0 { 7 } else { 4 }).collect();
            let rc: Vec<u64> = asks.iter().map(|a| a.0).collect();
            let rt: Vec<i64> = asks.iter().map(|a| a.1 * D).collect();
            let rp: Vec<u64> = asks.iter().map(|a| a.2).collect();
            let cfg = LoyaltyConfig { expiry_days: 200.0, ..LoyaltyConfig::default() };
            let run = |order_t: &[usize], order_r: &[usize]| {
                let pick = |v: &[u64], o: &[usize]| o.iter().map(|&i| v[i]).collect::<Vec<_>>();
                let (c, t, v, k) = (pick(&tc, order_t), order_t.iter().map(|&i| tt[i]).collect::<Vec<_>>(),
                    order_t.iter().map(|&i| tv[i]).collect::<Vec<_>>(), order_t.iter().map(|&i| kd[i]).collect::<Vec<_>>());
                let (rcu, rti, rpo) = (pick(&rc, order_r), order_r.iter().map(|&i| rt[i]).collect::<Vec<_>>(), pick(&rp, order_r));
                run_loyalty(
                    &TouchpointColumns { customer: &c, time: &t, channel: &ch, kind: &k, value: &v, ..Default::default() },
                    &RedemptionColumns { customer: &rcu, time: &rti, points: &rpo },
                    1000 * D,
                    &cfg,
                ).unwrap()
            };
            let ident_t: Vec<usize> = (0..tc.len()).collect();
            let ident_r: Vec<usize> = (0..rc.len()).collect();
            let a = run(&ident_t, &ident_r);
            for i in 0..a.accounts.customer.len() {
                let acc = &a.accounts;
                prop_assert_eq!(acc.earned[i], acc.balance[i] + acc.redeemed[i] + acc.expired[i]);
            }
            // Shuffle both inputs deterministically from the seed.
            let mut st = ident_t.clone();
            let mut sr = ident_r.clone();
            let mut x = seed | 1;
            for v in [&mut st, &mut sr] {
                for i in (1..v.len()).rev() {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                    v.swap(i, (x % (i as u64 + 1)) as usize);
                }
            }
            prop_assert_eq!(a, run(&st, &sr));
        }
    }
}
