//! Per-customer profiles: built incrementally, in bulk, or by merging parts.
//!
//! A [`Profile`] is a summary of one customer's touchpoints that is
//!
//! - **incremental**: [`Profile::apply`] adds one touchpoint in O(1);
//! - **order-free**: the profile depends only on the set of touchpoints, not on
//!   the order they arrive in (a late event gives the same profile as if it had
//!   come in order);
//! - **mergeable**: [`Profile::merge`] combines profiles of the same customer
//!   built from disjoint sets of touchpoints, exactly.
//!
//! Exactness is by construction, not by tolerance: money is summed in integer
//! micro-units, counts are integers, minima and maxima are order-free, the
//! latest rating breaks ties deterministically, and the decayed engagement
//! signals are fixed-point integers (see [`crate::profile::signals`]). Building a
//! store in one pass, one touchpoint at a time, or from merged parts gives
//! `==`-equal profiles.
//!
//! A [`ProfileStore`] holds the profiles of many customers; a
//! [`ProfileSummary`] is the flat view of one profile that reports show.

pub mod signals;
mod store;
mod summary;

pub use store::ProfileStore;
pub(crate) use store::{SHARD_BITS, shard_of};
pub use summary::ProfileSummary;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::model::money::{from_micros, micros};
use crate::model::{Channel, Code, Customer, RatingScale, Touchpoint, TouchpointKind};
use crate::profile::signals::{DecayedSums, Signals};

/// "No time yet" for minima (the identity of `min`).
const NONE_MIN: i64 = i64::MAX;
/// "No time yet" for maxima (the identity of `max`).
const NONE_MAX: i64 = i64::MIN;

/// A rating with the time it was given.
///
/// # Examples
///
/// ```
#[doc = include_str!("example.md")]
/// assert_eq!(p.latest_rating(RatingScale::Nps).map(|r| (r.time, r.value)), Some((1_400, 9.0)));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimedRating {
    /// Unix seconds.
    pub time: i64,
    /// The rating (a whole number on its scale).
    pub value: f32,
}

/// `(time, small code)` packed into one `i64` whose order is lexicographic:
/// `time · 16 + code`. Folding keys with `min` or `max` is then order-free and
/// branch-free, and ties at the same second are broken by the code.
/// Times are at most 3.3·10¹⁰, so the key stays far inside `i64`.
#[inline]
fn key(time: i64, code: u8) -> i64 {
    time * 16 + i64::from(code)
}

#[inline]
fn key_time(k: i64) -> i64 {
    k.div_euclid(16)
}

#[inline]
fn key_code(k: i64) -> u8 {
    k.rem_euclid(16) as u8
}

fn some_min(v: i64) -> Option<i64> {
    (v != NONE_MIN).then_some(v)
}

fn some_max(v: i64) -> Option<i64> {
    (v != NONE_MAX).then_some(v)
}

/// Everything the engine keeps about one customer.
///
/// Fields are read through methods; times are Unix seconds.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, Profile, Signals, SignalConfig, Touchpoint, TouchpointKind as K};
///
/// let signals = Signals::new(SignalConfig::default())?;
/// let mut p = Profile::new(7, &signals);
/// p.apply(&Touchpoint::new(7, 1_000, Channel::Web, K::Purchase).with_value(20.0), &signals)?;
/// p.apply(&Touchpoint::new(7, 500, Channel::Email, K::Click), &signals)?;   // late event
/// assert_eq!(p.purchases(), 1);
/// assert_eq!(p.revenue(), 20.0);
/// assert_eq!(p.first_touch(), Some(500));
/// assert_eq!(p.last_touch(), Some(1_000));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    customer: u64,
    signals: u64,
    /// `key(acquired_at, channel)` from customer records; `NONE_MIN` if none.
    acquired: i64,
    /// `key(first touch, its channel)`; `NONE_MIN` if none.
    first_touch: i64,
    last_touch: i64,
    last_interaction: i64,
    first_purchase: i64,
    last_purchase: i64,
    touches: u64,
    purchases: u32,
    refund_count: u32,
    revenue_micros: i64,
    refunds_micros: i64,
    /// `key(time, rating)` of the latest answer per scale (NPS, CSAT, CES); `NONE_MAX` if none.
    latest_ratings: [i64; 3],
    channel_counts: [u32; Channel::COUNT],
    kind_counts: [u32; TouchpointKind::COUNT],
    decayed: DecayedSums,
}

impl Profile {
    /// An empty profile (no touchpoints) for `customer`, tied to `signals`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Profile, RatingScale, Signals, SignalConfig, Touchpoint, TouchpointKind as K};
    /// let s = Signals::new(SignalConfig::default())?;
    /// let mut p = Profile::new(1, &s);
    /// for tp in [
    ///     Touchpoint::new(1, 100, Channel::Email, K::Open),
    ///     Touchpoint::new(1, 200, Channel::Web, K::Purchase).with_value(30.0),
    ///     Touchpoint::new(1, 1_200, Channel::Store, K::Purchase).with_value(10.0),
    ///     Touchpoint::new(1, 1_300, Channel::Web, K::Refund).with_value(10.0),
    ///     Touchpoint::new(1, 1_400, Channel::Email, K::SurveyResponse).with_rating(9.0, RatingScale::Nps),
    ///     Touchpoint::new(1, 1_500, Channel::Social, K::Referral),
    ///     Touchpoint::new(1, 1_600, Channel::Ads, K::Impression),
    /// ] {
    ///     p.apply(&tp, &s)?;
    /// }
    /// assert_eq!(Profile::new(7, &s).touches(), 0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn new(customer: u64, signals: &Signals) -> Self {
        Profile {
            customer,
            signals: signals.fingerprint(),
            acquired: NONE_MIN,
            first_touch: NONE_MIN,
            last_touch: NONE_MAX,
            last_interaction: NONE_MAX,
            first_purchase: NONE_MIN,
            last_purchase: NONE_MAX,
            touches: 0,
            purchases: 0,
            refund_count: 0,
            revenue_micros: 0,
            refunds_micros: 0,
            latest_ratings: [NONE_MAX; 3],
            channel_counts: [0; Channel::COUNT],
            kind_counts: [0; TouchpointKind::COUNT],
            decayed: DecayedSums::default(),
        }
    }

    /// Adds one touchpoint, in O(1). Touchpoints may arrive in any order.
    ///
    /// # Errors
    /// - [`EngError::InvalidInput`] when the touchpoint is invalid
    ///   ([`Touchpoint::validate`]) or belongs to another customer;
    /// - [`EngError::Incompatible`] when `signals` is not the configuration the
    ///   profile was created with.
    ///
    /// On error the profile is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert!(p.apply(&Touchpoint::new(2, 5, Channel::Web, K::Visit), &s).is_err()); // another customer
    /// assert_eq!(p.touches(), 7);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn apply(&mut self, tp: &Touchpoint, signals: &Signals) -> Result<()> {
        tp.validate()?;
        if tp.customer != self.customer {
            return Err(EngError::invalid(
                "customer",
                tp.customer,
                format!(
                    "touchpoint applied to the profile of customer {}",
                    self.customer
                ),
            ));
        }
        self.check_signals(signals)?;
        self.add(tp, signals);
        Ok(())
    }

    /// Adds a touchpoint already validated and known to be this customer's,
    /// built with these `signals`. O(1); the same result as merging the
    /// profile of this one touchpoint.
    #[inline]
    pub(crate) fn add(&mut self, tp: &Touchpoint, signals: &Signals) {
        let t = tp.time;
        let (cell, sums) =
            DecayedSums::contribution(signals, t, signals.weights(tp.kind, tp.channel, tp.rating));
        if self.touches == 0 {
            self.decayed = DecayedSums {
                cell,
                sums: [sums, [0; 4]],
            };
        } else {
            self.decayed.add_cell(cell, sums);
        }
        self.touches = self.touches.saturating_add(1);
        self.first_touch = self.first_touch.min(key(t, tp.channel.code()));
        self.last_touch = self.last_touch.max(t);
        if tp.kind.is_interaction() {
            self.last_interaction = self.last_interaction.max(t);
        }
        match tp.kind {
            TouchpointKind::Purchase => {
                self.first_purchase = self.first_purchase.min(t);
                self.last_purchase = self.last_purchase.max(t);
                self.purchases = self.purchases.saturating_add(1);
                self.revenue_micros = self.revenue_micros.saturating_add(micros(tp.value));
            }
            TouchpointKind::Refund => {
                self.refund_count = self.refund_count.saturating_add(1);
                self.refunds_micros = self.refunds_micros.saturating_add(micros(tp.value));
            }
            _ => {}
        }
        let c = &mut self.channel_counts[usize::from(tp.channel.code())];
        *c = c.saturating_add(1);
        let k = &mut self.kind_counts[usize::from(tp.kind.code())];
        *k = k.saturating_add(1);
        if let Some(r) = tp.rating {
            // Ratings are whole numbers 0..=10 (validated), so they fit the key's code.
            let slot = &mut self.latest_ratings[r.scale as usize];
            *slot = (*slot).max(key(t, r.value as u8));
        }
    }

    /// Records what a [`Customer`] record says (acquisition time and channel).
    ///
    /// Several records for one customer combine order-free: the earliest
    /// acquisition time wins (ties: the lower channel code). A record without
    /// an acquisition time changes nothing.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for an invalid record or another customer's record.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// use engagement_core::Customer;
    /// p.apply_customer(&Customer::new(1).acquired(50, Channel::Ads))?;
    /// assert_eq!((p.acquired_at(), p.acquisition_channel()), (Some(50), Some(Channel::Ads)));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn apply_customer(&mut self, customer: &Customer) -> Result<()> {
        customer.validate()?;
        if customer.id != self.customer {
            return Err(EngError::invalid(
                "customer",
                customer.id,
                format!(
                    "record applied to the profile of customer {}",
                    self.customer
                ),
            ));
        }
        if let Some(t) = customer.acquired_at {
            // Code 15 (above every channel) stands for "channel unknown".
            let code = customer.acquisition_channel.map_or(15, |c| c.code());
            self.acquired = self.acquired.min(key(t, code));
        }
        Ok(())
    }

    /// Combines with a profile of the same customer built from a disjoint set
    /// of touchpoints. Exact, associative and commutative.
    ///
    /// # Errors
    /// [`EngError::Incompatible`] for another customer or profiles built with
    /// different [`Signals`]. On error `self` is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// let mut later = Profile::new(1, &s);
    /// later.apply(&Touchpoint::new(1, 2_000, Channel::Web, K::Purchase).with_value(5.0), &s)?;
    /// p.merge(&later)?;
    /// assert_eq!((p.purchases(), p.last_purchase()), (3, Some(2_000)));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn merge(&mut self, other: &Profile) -> Result<()> {
        if other.customer != self.customer {
            return Err(EngError::Incompatible {
                reason: format!(
                    "profiles of customers {} and {}",
                    self.customer, other.customer
                ),
            });
        }
        if other.signals != self.signals {
            return Err(EngError::Incompatible {
                reason: "profiles were built with different signal configurations".into(),
            });
        }
        self.merge_unchecked(other);
        Ok(())
    }

    pub(crate) fn merge_unchecked(&mut self, o: &Profile) {
        if o.touches > 0 {
            if self.touches == 0 {
                self.decayed = o.decayed;
            } else {
                self.decayed.merge(&o.decayed);
            }
        }
        self.acquired = self.acquired.min(o.acquired);
        self.touches = self.touches.saturating_add(o.touches);
        self.first_touch = self.first_touch.min(o.first_touch);
        self.last_touch = self.last_touch.max(o.last_touch);
        self.last_interaction = self.last_interaction.max(o.last_interaction);
        self.first_purchase = self.first_purchase.min(o.first_purchase);
        self.last_purchase = self.last_purchase.max(o.last_purchase);
        self.purchases = self.purchases.saturating_add(o.purchases);
        self.refund_count = self.refund_count.saturating_add(o.refund_count);
        self.revenue_micros = self.revenue_micros.saturating_add(o.revenue_micros);
        self.refunds_micros = self.refunds_micros.saturating_add(o.refunds_micros);
        for (a, b) in self.latest_ratings.iter_mut().zip(o.latest_ratings) {
            *a = (*a).max(b);
        }
        for (a, b) in self.channel_counts.iter_mut().zip(o.channel_counts) {
            *a = a.saturating_add(b);
        }
        for (a, b) in self.kind_counts.iter_mut().zip(o.kind_counts) {
            *a = a.saturating_add(b);
        }
    }

    /// An error unless the profile's fields are ones that touchpoints can
    /// produce (times within range or absent together with their counts,
    /// first ≤ last, money ≥ 0): what a decoded profile is checked for.
    /// Ties a profile read from saved bytes to the signals it is loaded
    /// with (the saved configuration was checked to be those signals).
    pub(crate) fn rebind(&mut self, fingerprint: u64) {
        self.signals = fingerprint;
    }

    pub(crate) fn check_consistent(&self) -> std::result::Result<(), String> {
        use crate::model::{MAX_TIME, MIN_TIME};
        let time_ok = |t: i64| (MIN_TIME..=MAX_TIME).contains(&t);
        let key_ok = |k: i64| (key(MIN_TIME, 0)..=key(MAX_TIME, 15)).contains(&k);
        let min_ok =
            |v: i64, is_key: bool| v == NONE_MIN || if is_key { key_ok(v) } else { time_ok(v) };
        let max_ok =
            |v: i64, is_key: bool| v == NONE_MAX || if is_key { key_ok(v) } else { time_ok(v) };
        let fields_ok = min_ok(self.acquired, true)
            && min_ok(self.first_touch, true)
            && max_ok(self.last_touch, false)
            && max_ok(self.last_interaction, false)
            && min_ok(self.first_purchase, false)
            && max_ok(self.last_purchase, false)
            && self.latest_ratings.iter().all(|&k| max_ok(k, true));
        if !fields_ok {
            return Err("a time outside 1970..3000".into());
        }
        if (self.touches == 0) != (self.first_touch == NONE_MIN)
            || (self.touches == 0) != (self.last_touch == NONE_MAX)
            || (self.purchases == 0) != (self.first_purchase == NONE_MIN)
            || (self.purchases == 0) != (self.last_purchase == NONE_MAX)
        {
            return Err("counts and first/last times disagree".into());
        }
        if self.touches > 0 && key_time(self.first_touch) > self.last_touch
            || self.purchases > 0 && self.first_purchase > self.last_purchase
        {
            return Err("a first time after the last".into());
        }
        if self.revenue_micros < 0 || self.refunds_micros < 0 {
            return Err("negative money".into());
        }
        Ok(())
    }

    /// An error unless `as_of` is at or after the last touchpoint (results
    /// at an earlier time would ignore events that had not happened yet).
    pub(crate) fn check_as_of(&self, as_of: i64) -> Result<()> {
        match self.last_touch() {
            Some(last) if as_of < last => Err(EngError::AsOfBeforeData {
                as_of,
                latest: last,
                customer: self.customer,
            }),
            _ => Ok(()),
        }
    }

    pub(crate) fn check_signals(&self, signals: &Signals) -> Result<()> {
        if self.signals != signals.fingerprint() {
            return Err(EngError::Incompatible {
                reason: "profile was built with a different signal configuration".into(),
            });
        }
        Ok(())
    }

    /// The customer's id.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.customer(), 1);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn customer(&self) -> u64 {
        self.customer
    }
    /// Acquisition time from a [`Customer`] record, if any.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.acquired_at(), None); // no customer record applied
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn acquired_at(&self) -> Option<i64> {
        some_min(self.acquired).map(key_time)
    }
    /// Acquisition channel: from a [`Customer`] record, else the channel of the first touchpoint.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.acquisition_channel(), Some(Channel::Email)); // the first touchpoint's
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn acquisition_channel(&self) -> Option<Channel> {
        let from_record = some_min(self.acquired)
            .and_then(|k| Channel::ALL.get(usize::from(key_code(k))).copied());
        from_record.or_else(|| self.first_touch_channel())
    }
    /// Number of touchpoints.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.touches(), 7);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn touches(&self) -> u64 {
        self.touches
    }
    /// Time of the first touchpoint.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.first_touch(), Some(100));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn first_touch(&self) -> Option<i64> {
        some_min(self.first_touch).map(key_time)
    }
    /// Channel of the first touchpoint (ties at the same second: lowest code).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.first_touch_channel(), Some(Channel::Email));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn first_touch_channel(&self) -> Option<Channel> {
        some_min(self.first_touch).and_then(|k| Channel::ALL.get(usize::from(key_code(k))).copied())
    }
    /// Time of the last touchpoint.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.last_touch(), Some(1_600));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn last_touch(&self) -> Option<i64> {
        some_max(self.last_touch)
    }
    /// Time of the last interaction (any kind but impression).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.last_interaction(), Some(1_500)); // the impression does not count
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn last_interaction(&self) -> Option<i64> {
        some_max(self.last_interaction)
    }
    /// Time of the first purchase.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.first_purchase(), Some(200));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn first_purchase(&self) -> Option<i64> {
        some_min(self.first_purchase)
    }
    /// Time of the last purchase.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.last_purchase(), Some(1_200));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn last_purchase(&self) -> Option<i64> {
        some_max(self.last_purchase)
    }
    /// Number of purchases (saturates at 2³² − 1).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.purchases(), 2);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn purchases(&self) -> u64 {
        u64::from(self.purchases)
    }
    /// Number of refunds (saturates at 2³² − 1).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.refund_count(), 1);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn refund_count(&self) -> u64 {
        u64::from(self.refund_count)
    }
    /// Gross revenue: the sum of purchase values.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.revenue(), 40.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn revenue(&self) -> f64 {
        from_micros(i128::from(self.revenue_micros))
    }
    /// Sum of refunded amounts (positive).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.refunds(), 10.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn refunds(&self) -> f64 {
        from_micros(i128::from(self.refunds_micros))
    }
    /// Revenue in integer micro-units (exact; saturates at about 9.2·10¹² currency units).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.revenue_micros(), 40_000_000);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn revenue_micros(&self) -> i64 {
        self.revenue_micros
    }
    /// Refunds in integer micro-units (exact).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.refunds_micros(), 10_000_000);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn refunds_micros(&self) -> i64 {
        self.refunds_micros
    }
    /// Revenue minus refunds.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.net_revenue(), 30.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn net_revenue(&self) -> f64 {
        from_micros(i128::from(self.revenue_micros) - i128::from(self.refunds_micros))
    }
    /// Average order value: revenue / purchases (`None` without purchases).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.average_order_value(), Some(20.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn average_order_value(&self) -> Option<f64> {
        (self.purchases > 0).then(|| self.revenue() / f64::from(self.purchases))
    }
    /// Mean time between consecutive purchases in seconds:
    /// `(last_purchase − first_purchase) / (purchases − 1)`; `None` below two purchases.
    ///
    /// This is the customer's purchase rhythm, used by the at-risk rule. It is
    /// the only interval statistic a constant-size, mergeable profile can keep
    /// exactly (the spread of the gaps needs every purchase time).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.mean_purchase_interval(), Some(1_000.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn mean_purchase_interval(&self) -> Option<f64> {
        (self.purchases >= 2).then(|| {
            (self.last_purchase - self.first_purchase) as f64 / f64::from(self.purchases - 1)
        })
    }
    /// Touchpoints per channel (saturates at 2³² − 1).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.channel_count(Channel::Web), 2);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn channel_count(&self, channel: Channel) -> u64 {
        u64::from(self.channel_counts[usize::from(channel.code())])
    }
    /// Touchpoints per kind (saturates at 2³² − 1).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.kind_count(K::Purchase), 2);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn kind_count(&self, kind: TouchpointKind) -> u64 {
        u64::from(self.kind_counts[usize::from(kind.code())])
    }
    /// Number of referrals made.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.referrals(), 1);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn referrals(&self) -> u64 {
        self.kind_count(TouchpointKind::Referral)
    }
    /// Latest rating given on `scale` (at the same second, the higher rating).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.latest_rating(RatingScale::Csat), None);
    /// assert_eq!(p.latest_rating(RatingScale::Nps).map(|r| r.value), Some(9.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn latest_rating(&self, scale: RatingScale) -> Option<TimedRating> {
        some_max(self.latest_ratings[scale as usize]).map(|k| TimedRating {
            time: key_time(k),
            value: f32::from(key_code(k)),
        })
    }
    /// The fixed-point decayed signal sums (for scoring).
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.decayed().sums.len(), 2); // newest cell and the one before
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn decayed(&self) -> &DecayedSums {
        &self.decayed
    }
    /// Fingerprint of the [`Signals`] the profile was built with.
    ///
    /// # Examples
    ///
    /// ```
    #[doc = include_str!("example.md")]
    /// assert_eq!(p.signals_fingerprint(), s.fingerprint());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn signals_fingerprint(&self) -> u64 {
        self.signals
    }
}
