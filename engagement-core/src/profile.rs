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
//! signals are fixed-point integers (see [`crate::score::signals`]). Building a
//! store in one pass, one touchpoint at a time, or from merged parts gives
//! `==`-equal profiles.
//!
//! A [`ProfileStore`] holds the profiles of many customers.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::model::{
    Channel, Code, Customer, RatingScale, Touchpoint, TouchpointColumns, TouchpointKind,
};
use crate::score::signals::{DecayedSums, SignalConfig, Signals};

/// Money is accumulated in integer micro-units (10⁻⁶ of a currency unit).
const MICROS: f64 = 1e6;
/// "No time yet" for minima (the identity of `min`).
const NONE_MIN: i64 = i64::MAX;
/// "No time yet" for maxima (the identity of `max`).
const NONE_MAX: i64 = i64::MIN;

/// A rating with the time it was given.
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
    /// assert_eq!(p.revenue(), 40.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn revenue(&self) -> f64 {
        self.revenue_micros as f64 / MICROS
    }
    /// Sum of refunded amounts (positive).
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
    /// assert_eq!(p.refunds(), 10.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn refunds(&self) -> f64 {
        self.refunds_micros as f64 / MICROS
    }
    /// Revenue in integer micro-units (exact; saturates at about 9.2·10¹² currency units).
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
    /// assert_eq!(p.net_revenue(), 30.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn net_revenue(&self) -> f64 {
        (i128::from(self.revenue_micros) - i128::from(self.refunds_micros)) as f64 / MICROS
    }
    /// Average order value: revenue / purchases (`None` without purchases).
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
    /// assert_eq!(p.signals_fingerprint(), s.fingerprint());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn signals_fingerprint(&self) -> u64 {
        self.signals
    }
}

/// Money in integer micro-units. Values are validated finite and within
/// 0..=10¹², so the result is within 0..=10¹⁸ and the cast is exact;
/// adding ½ then truncating rounds half up without a libm call.
#[inline]
pub(crate) fn micros(value: f64) -> i64 {
    (value * MICROS + 0.5) as i64
}

/// A flat, serializable view of a [`Profile`]: what reports, the C face's JSON
/// and the Python face's DataFrames show per customer.
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
/// let summary = p.summary();
/// assert_eq!((summary.purchases, summary.revenue, summary.latest_nps), (2, 40.0, Some(9.0)));
/// assert_eq!(serde_json::to_value(&summary).unwrap()["channel_counts"]["web"], 2);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileSummary {
    /// Customer id.
    pub customer: u64,
    /// Number of touchpoints.
    pub touches: u64,
    /// First touchpoint time.
    pub first_touch: Option<i64>,
    /// Last touchpoint time.
    pub last_touch: Option<i64>,
    /// Last interaction (non-impression) time.
    pub last_interaction: Option<i64>,
    /// First purchase time.
    pub first_purchase: Option<i64>,
    /// Last purchase time.
    pub last_purchase: Option<i64>,
    /// Number of purchases.
    pub purchases: u64,
    /// Number of refunds.
    pub refund_count: u64,
    /// Sum of purchase values.
    pub revenue: f64,
    /// Sum of refunds.
    pub refunds: f64,
    /// Revenue minus refunds.
    pub net_revenue: f64,
    /// Revenue / purchases.
    pub average_order_value: Option<f64>,
    /// Mean seconds between purchases.
    pub mean_purchase_interval: Option<f64>,
    /// Number of referrals.
    pub referrals: u64,
    /// Acquisition channel (record, else first touchpoint).
    pub acquisition_channel: Option<Channel>,
    /// Latest NPS answer.
    pub latest_nps: Option<f32>,
    /// Latest CSAT answer.
    pub latest_csat: Option<f32>,
    /// Latest CES answer.
    pub latest_ces: Option<f32>,
    /// Touchpoints per channel, by channel label (channels with none omitted).
    pub channel_counts: std::collections::BTreeMap<Channel, u64>,
    /// Touchpoints per kind, by kind label (kinds with none omitted).
    pub kind_counts: std::collections::BTreeMap<TouchpointKind, u64>,
}

impl Profile {
    /// The flat summary of this profile.
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
    /// assert_eq!(p.summary().net_revenue, 30.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn summary(&self) -> ProfileSummary {
        ProfileSummary {
            customer: self.customer,
            touches: self.touches,
            first_touch: self.first_touch(),
            last_touch: self.last_touch(),
            last_interaction: self.last_interaction(),
            first_purchase: self.first_purchase(),
            last_purchase: self.last_purchase(),
            purchases: self.purchases(),
            refund_count: self.refund_count(),
            revenue: self.revenue(),
            refunds: self.refunds(),
            net_revenue: self.net_revenue(),
            average_order_value: self.average_order_value(),
            mean_purchase_interval: self.mean_purchase_interval(),
            referrals: self.referrals(),
            acquisition_channel: self.acquisition_channel(),
            latest_nps: self.latest_rating(RatingScale::Nps).map(|r| r.value),
            latest_csat: self.latest_rating(RatingScale::Csat).map(|r| r.value),
            latest_ces: self.latest_rating(RatingScale::Ces).map(|r| r.value),
            channel_counts: Channel::ALL
                .iter()
                .filter(|c| self.channel_count(**c) > 0)
                .map(|c| (*c, self.channel_count(*c)))
                .collect(),
            kind_counts: TouchpointKind::ALL
                .iter()
                .filter(|k| self.kind_count(**k) > 0)
                .map(|k| (*k, self.kind_count(*k)))
                .collect(),
        }
    }
}

/// Number of shards of a [`ProfileStore`], as a power of two.
pub(crate) const SHARD_BITS: u32 = 10;
/// Rows scattered per round by the bulk path (its buffers take 24 bytes a
/// row). Larger rounds apply more of a customer's rows per visit of the
/// profile; 2²² rows bound the scratch memory near 100 MB.
const ROUND_ROWS: usize = 1 << 22;
/// Below this many rows the bulk path applies rows directly.
const DIRECT_ROWS: usize = 1 << 12;

/// The shard of a customer id: the high bits of a multiplicative hash, so
/// that consecutive ids spread over all shards.
#[inline]
pub(crate) fn shard_of(customer: u64) -> usize {
    (customer.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SHARD_BITS)) as usize
}

#[derive(Debug, Clone, Default)]
struct Shard {
    index: rustc_hash::FxHashMap<u64, u32>,
    profiles: Vec<Profile>,
}

impl Shard {
    #[inline]
    fn slot(&mut self, customer: u64, signals: &Signals, new_customer: &mut bool) -> &mut Profile {
        let next = self.profiles.len() as u32;
        let i = *self.index.entry(customer).or_insert(next);
        if i == next {
            self.profiles.push(Profile::new(customer, signals));
            *new_customer = true;
        }
        &mut self.profiles[i as usize]
    }
}

impl Shard {
    /// Applies validated rows, visiting the profiles in storage order: rows are
    /// first mapped to their profile slots (creating new profiles), then
    /// counting-sorted by slot, so that profile memory is read front to back
    /// (which the hardware prefetches) instead of at random. Returns the
    /// number of new customers. The scratch vectors are reused between calls.
    fn apply_in_slot_order(
        &mut self,
        rows: &[PackedRow],
        signals: &Signals,
        slots: &mut Vec<u32>,
        starts: &mut Vec<u32>,
        order: &mut Vec<u32>,
    ) -> usize {
        let before = self.profiles.len();
        slots.clear();
        for row in rows {
            let next = self.profiles.len() as u32;
            let slot = *self.index.entry(row.customer).or_insert(next);
            if slot == next {
                self.profiles.push(Profile::new(row.customer, signals));
            }
            slots.push(slot);
        }
        starts.clear();
        starts.resize(self.profiles.len() + 1, 0);
        for &slot in slots.iter() {
            starts[slot as usize + 1] += 1;
        }
        for i in 0..self.profiles.len() {
            starts[i + 1] += starts[i];
        }
        order.clear();
        order.resize(rows.len(), 0);
        for (r, &slot) in slots.iter().enumerate() {
            let at = &mut starts[slot as usize];
            order[*at as usize] = r as u32;
            *at += 1;
        }
        for &r in order.iter() {
            let row = &rows[r as usize];
            let slot = slots[r as usize] as usize;
            self.profiles[slot].add(&row.touchpoint(), signals);
        }
        self.profiles.len() - before
    }
}

/// A validated touchpoint row packed for the bulk path's scatter buffers
/// (24 bytes): the time and the small codes share one word,
/// `time << 16 | channel << 12 | kind << 8 | scale << 6 | rating`, where the
/// rating (a whole number 0–10) is 63 for "none". Times below 2³⁵ (year 3000
/// is 3.3·10¹⁰ < 2³⁵) leave the shift exact.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PackedRow {
    pub(crate) customer: u64,
    packed: i64,
    value: f64,
}

impl PackedRow {
    const NO_RATING: i64 = 63;

    /// Packs a row whose values passed validation.
    #[inline]
    pub(crate) fn new(
        customer: u64,
        time: i64,
        channel: u8,
        kind: u8,
        value: f64,
        rating: f32,
        scale: u8,
    ) -> Self {
        let rating = if rating.is_nan() {
            Self::NO_RATING
        } else {
            rating as i64
        };
        PackedRow {
            customer,
            packed: time << 16
                | i64::from(channel & 0xf) << 12
                | i64::from(kind & 0xf) << 8
                | i64::from(scale & 0x3) << 6
                | rating,
            value,
        }
    }

    /// The touchpoint of a validated row (codes were checked by validation;
    /// the fallbacks are unreachable and never panic).
    #[inline]
    pub(crate) fn touchpoint(&self) -> Touchpoint {
        let p = self.packed;
        let channel = Channel::ALL
            .get(((p >> 12) & 0xf) as usize)
            .copied()
            .unwrap_or(Channel::Other);
        let kind = TouchpointKind::ALL
            .get(((p >> 8) & 0xf) as usize)
            .copied()
            .unwrap_or(TouchpointKind::Other);
        let rating = p & 0x3f;
        let rating = (rating != Self::NO_RATING).then(|| crate::model::Rating {
            value: rating as f32,
            scale: RatingScale::ALL
                .get(((p >> 6) & 0x3) as usize)
                .copied()
                .unwrap_or(RatingScale::Nps),
        });
        Touchpoint {
            customer: self.customer,
            time: p >> 16,
            channel,
            kind,
            value: self.value,
            rating,
            campaign: None,
        }
    }
}

/// The profiles of many customers, keyed by customer id.
///
/// Profiles live in shards chosen by a hash of the customer id, so that bulk
/// input is applied shard by shard with each shard's profiles in cache.
/// Results that list customers ([`iter`](Self::iter), scores, stages) come in
/// ascending customer id, whatever the order of the input; that order is
/// computed once and kept until a new customer arrives.
///
/// # Examples
///
/// ```
/// use engagement_core::{ProfileStore, SignalConfig, TouchpointColumns};
///
/// let mut store = ProfileStore::new(SignalConfig::default())?;
/// store.push_columns(&TouchpointColumns {
///     customer: &[2, 1, 2],
///     time: &[300, 100, 200],
///     channel: &[1, 0, 6],
///     kind: &[4, 1, 4],
///     value: &[30.0, 0.0, 12.5],
///     ..Default::default()
/// })?;
/// assert_eq!(store.len(), 2);
/// assert_eq!(store.get(2)?.revenue(), 42.5);
/// assert!(store.get(9).is_err());
/// let ids: Vec<u64> = store.iter().map(|p| p.customer()).collect();
/// assert_eq!(ids, [1, 2]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ProfileStore {
    signals: Signals,
    shards: Vec<Shard>,
    len: usize,
    /// Ascending-id order of the profiles; reset when a customer is added.
    order: std::sync::OnceLock<IdOrder>,
}

impl PartialEq for ProfileStore {
    fn eq(&self, other: &Self) -> bool {
        self.signals.fingerprint() == other.signals.fingerprint()
            && self.len == other.len
            && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl ProfileStore {
    /// An empty store whose profiles accumulate signals as `config` says.
    ///
    /// # Errors
    /// [`EngError::Config`] for an invalid configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// assert_eq!(store.len(), 2);
    /// assert!(ProfileStore::new(SignalConfig { half_life_days: -1.0, ..Default::default() }).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn new(config: SignalConfig) -> Result<Self> {
        Ok(Self::with_signals(Signals::new(config)?))
    }

    /// An empty store for already compiled signals.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// use engagement_core::Signals;
    /// let other = ProfileStore::with_signals(Signals::new(SignalConfig::default())?);
    /// assert!(other.is_empty());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn with_signals(signals: Signals) -> Self {
        ProfileStore {
            signals,
            shards: vec![Shard::default(); 1 << SHARD_BITS],
            len: 0,
            order: std::sync::OnceLock::new(),
        }
    }

    /// Builds a store from columns in one call (see [`push_columns`](Self::push_columns)).
    ///
    /// # Errors
    /// As [`SignalConfig::validate`] and [`TouchpointColumns::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// use engagement_core::TouchpointColumns;
    /// let s = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[1], time: &[0], channel: &[0], kind: &[1], ..Default::default() })?;
    /// assert_eq!(s.len(), 1);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_columns(config: SignalConfig, cols: &TouchpointColumns<'_>) -> Result<Self> {
        let mut s = Self::new(config)?;
        s.push_columns(cols)?;
        Ok(s)
    }

    /// The compiled signal configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// assert_eq!(store.signals().config().half_life_days, 30.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn signals(&self) -> &Signals {
        &self.signals
    }

    /// Number of customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// assert_eq!(store.len(), 2);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the store holds no customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// assert!(!store.is_empty());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reserves room for about `additional` more customers.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] naming `additional` when the memory cannot
    /// be reserved (an absurd size); the store is unchanged but for capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// store.reserve(1_000)?;
    /// assert!(store.reserve(usize::MAX).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn reserve(&mut self, additional: usize) -> Result<()> {
        let per_shard = additional.div_ceil(self.shards.len());
        let per_shard = per_shard.saturating_add(per_shard / 8);
        let fail = |_| {
            EngError::invalid(
                "additional",
                additional,
                "cannot reserve room for that many customers",
            )
        };
        for shard in &mut self.shards {
            shard.index.try_reserve(per_shard).map_err(fail)?;
            shard.profiles.try_reserve(per_shard).map_err(fail)?;
        }
        Ok(())
    }

    fn note_new_customers(&mut self, added: usize) {
        if added > 0 {
            self.len += added;
            self.order = std::sync::OnceLock::new();
        }
    }

    /// Adds one touchpoint (any order, any customer).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for an invalid touchpoint; the store is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// assert!(store.push(&Touchpoint::new(5, 30, Channel::Web, K::Purchase).with_value(-1.0)).is_err());
    /// assert_eq!(store.get(5)?.purchases(), 1); // unchanged
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn push(&mut self, tp: &Touchpoint) -> Result<()> {
        tp.validate()?;
        let mut new_customer = false;
        self.shards[shard_of(tp.customer)]
            .slot(tp.customer, &self.signals, &mut new_customer)
            .add(tp, &self.signals);
        self.note_new_customers(usize::from(new_customer));
        Ok(())
    }

    /// Adds many touchpoints given as columns.
    ///
    /// All rows are checked before any is applied, so on error the store is
    /// unchanged. Large inputs are scattered by shard in rounds and applied
    /// shard by shard, which keeps each shard's profiles in cache.
    ///
    /// # Errors
    /// As [`TouchpointColumns::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// use engagement_core::TouchpointColumns;
    /// store.push_columns(&TouchpointColumns { customer: &[5, 7], time: &[40, 50], channel: &[1, 1], kind: &[4, 3],
    ///     value: &[3.0, 0.0], ..Default::default() })?;
    /// assert_eq!((store.len(), store.get(5)?.revenue()), (3, 15.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn push_columns(&mut self, cols: &TouchpointColumns<'_>) -> Result<()> {
        self.push_columns_in_rounds(cols, ROUND_ROWS)
    }

    fn push_columns_in_rounds(
        &mut self,
        cols: &TouchpointColumns<'_>,
        round_rows: usize,
    ) -> Result<()> {
        let n = cols.validate()?;
        let signals = &self.signals;
        let mut added = 0usize;
        if n < DIRECT_ROWS {
            for i in 0..n {
                let tp = cols.row_unchecked(i);
                let mut new_customer = false;
                self.shards[shard_of(tp.customer)]
                    .slot(tp.customer, signals, &mut new_customer)
                    .add(&tp, signals);
                added += usize::from(new_customer);
            }
        } else {
            // Scatter each round's rows into per-shard buffers (sized exactly by a
            // counting pass), then apply shard by shard: a shard's profiles stay
            // in cache while all its rows of the round are applied.
            let shards = self.shards.len();
            let mut buffers: Vec<Vec<PackedRow>> = vec![Vec::new(); shards];
            let (mut slots, mut starts, mut order) = (Vec::new(), Vec::new(), Vec::new());
            let mut begin = 0;
            while begin < n {
                let end = (begin + round_rows).min(n);
                // A uniform hash puts about len/shards rows in each shard, give or
                // take a few standard deviations; rare overflows just grow a buffer.
                let mean = (end - begin) / shards;
                let room = mean + 4 * mean.isqrt() + 16;
                for buffer in &mut buffers {
                    buffer.clear();
                    buffer.reserve(room);
                }
                for i in begin..end {
                    buffers[shard_of(cols.customer[i])].push(cols.packed(i));
                }
                for (shard, buffer) in self.shards.iter_mut().zip(&buffers) {
                    added += shard.apply_in_slot_order(
                        buffer,
                        signals,
                        &mut slots,
                        &mut starts,
                        &mut order,
                    );
                }
                begin = end;
            }
        }
        self.note_new_customers(added);
        Ok(())
    }

    /// Registers a customer record (creates the profile if needed).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for an invalid record; the store is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// use engagement_core::Customer;
    /// store.add_customer(&Customer::new(11).acquired(0, Channel::Store))?;
    /// assert_eq!(store.get(11)?.touches(), 0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn add_customer(&mut self, customer: &Customer) -> Result<()> {
        customer.validate()?;
        let mut new_customer = false;
        self.shards[shard_of(customer.id)]
            .slot(customer.id, &self.signals, &mut new_customer)
            .apply_customer(customer)?;
        self.note_new_customers(usize::from(new_customer));
        Ok(())
    }

    /// Merges a profile built elsewhere (another thread, another machine).
    ///
    /// # Errors
    /// [`EngError::Incompatible`] when it was built with other signals.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// use engagement_core::Profile;
    /// let mut p = Profile::new(2, store.signals());
    /// p.apply(&Touchpoint::new(2, 99, Channel::Web, K::Visit), store.signals())?;
    /// store.merge_profile(&p)?;
    /// assert_eq!(store.get(2)?.touches(), 2);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn merge_profile(&mut self, profile: &Profile) -> Result<()> {
        profile.check_signals(&self.signals)?;
        let mut new_customer = false;
        self.shards[shard_of(profile.customer)]
            .slot(profile.customer, &self.signals, &mut new_customer)
            .merge_unchecked(profile);
        self.note_new_customers(usize::from(new_customer));
        Ok(())
    }

    /// Merges another store into this one (exact; any partitioning of the
    /// touchpoints and any merge order give equal stores).
    ///
    /// # Errors
    /// [`EngError::Incompatible`] when the stores use different signals; `self`
    /// is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// let mut other = ProfileStore::new(SignalConfig::default())?;
    /// other.push(&Touchpoint::new(5, 5, Channel::Store, K::Purchase).with_value(8.0))?;
    /// store.merge(&other)?;
    /// assert_eq!(store.get(5)?.revenue(), 20.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn merge(&mut self, other: &ProfileStore) -> Result<()> {
        if other.signals.fingerprint() != self.signals.fingerprint() {
            return Err(EngError::Incompatible {
                reason: "stores were built with different signal configurations".into(),
            });
        }
        let mut added = 0;
        for (mine, theirs) in self.shards.iter_mut().zip(&other.shards) {
            for p in &theirs.profiles {
                let mut new_customer = false;
                mine.slot(p.customer, &self.signals, &mut new_customer)
                    .merge_unchecked(p);
                added += usize::from(new_customer);
            }
        }
        self.note_new_customers(added);
        Ok(())
    }

    /// The profile of one customer.
    ///
    /// # Errors
    /// [`EngError::UnknownId`] when the store has never seen the customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// assert_eq!(store.get(2)?.touches(), 1);
    /// assert!(store.get(3).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn get(&self, customer: u64) -> Result<&Profile> {
        let shard = &self.shards[shard_of(customer)];
        shard
            .index
            .get(&customer)
            .map(|&i| &shard.profiles[i as usize])
            .ok_or(EngError::UnknownId { id: customer })
    }

    /// Every profile's place in ascending customer id (computed once).
    fn order(&self) -> &IdOrder {
        self.order.get_or_init(|| {
            let mut keys: Vec<(u64, u32, u32)> = Vec::with_capacity(self.len);
            for (s, shard) in self.shards.iter().enumerate() {
                for (i, p) in shard.profiles.iter().enumerate() {
                    keys.push((p.customer, s as u32, i as u32));
                }
            }
            keys.sort_unstable_by_key(|k| k.0);
            let mut offsets = Vec::with_capacity(self.shards.len());
            let mut total = 0u32;
            for shard in &self.shards {
                offsets.push(total);
                total += shard.profiles.len() as u32;
            }
            IdOrder {
                ids: keys.iter().map(|k| k.0).collect(),
                slots: keys.iter().map(|&(_, s, i)| (s, i)).collect(),
                flat: keys
                    .iter()
                    .map(|&(_, s, i)| offsets[s as usize] + i)
                    .collect(),
            }
        })
    }

    /// Profiles in ascending customer id.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// let ids: Vec<u64> = store.iter().map(|p| p.customer()).collect();
    /// assert_eq!(ids, [2, 5]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Profile> + '_ {
        self.order()
            .slots
            .iter()
            .map(|&(s, i)| &self.shards[s as usize].profiles[i as usize])
    }

    /// Customer ids in ascending order.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// assert_eq!(store.customers(), [2, 5]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn customers(&self) -> &[u64] {
        &self.order().ids
    }

    /// Applies `f` to every profile and returns the customer ids and the
    /// results in ascending customer id.
    ///
    /// `f` runs over the profiles in storage order (fast, cache-friendly); only
    /// the small results are put in id order.
    ///
    /// # Errors
    /// The first error `f` returns, in storage order.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// let (ids, touches) = store.map(|p| Ok(p.touches()))?;
    /// assert_eq!((ids, touches), (vec![2, 5], vec![1, 1]));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn map<T: Copy>(
        &self,
        mut f: impl FnMut(&Profile) -> Result<T>,
    ) -> Result<(Vec<u64>, Vec<T>)> {
        let mut flat = Vec::with_capacity(self.len);
        for shard in &self.shards {
            for p in &shard.profiles {
                flat.push(f(p)?);
            }
        }
        let order = self.order();
        let out = order.flat.iter().map(|&k| flat[k as usize]).collect();
        Ok((order.ids.clone(), out))
    }
}

/// The ascending-id order of a store's profiles.
#[derive(Debug, Clone)]
struct IdOrder {
    /// Customer ids, ascending.
    ids: Vec<u64>,
    /// `(shard, index)` of each.
    slots: Vec<(u32, u32)>,
    /// Position of each in storage order (shard by shard).
    flat: Vec<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel as C, TouchpointKind as K};

    fn signals() -> Signals {
        Signals::new(SignalConfig::default()).unwrap()
    }

    fn events() -> Vec<Touchpoint> {
        vec![
            Touchpoint::new(1, 100, C::Email, K::Open),
            Touchpoint::new(1, 200, C::Web, K::Purchase).with_value(10.10),
            Touchpoint::new(1, 900, C::Store, K::Purchase).with_value(0.20),
            Touchpoint::new(1, 950, C::Web, K::Refund).with_value(0.20),
            Touchpoint::new(1, 1000, C::Email, K::SurveyResponse)
                .with_rating(9.0, RatingScale::Nps),
            Touchpoint::new(1, 1000, C::Web, K::SurveyResponse).with_rating(6.0, RatingScale::Nps),
            Touchpoint::new(1, 1500, C::Social, K::Referral),
            Touchpoint::new(1, 1600, C::Ads, K::Impression),
        ]
    }

    #[test]
    fn fields_are_exact() {
        let s = signals();
        let mut p = Profile::new(1, &s);
        for e in events() {
            p.apply(&e, &s).unwrap();
        }
        assert_eq!(p.touches(), 8);
        assert_eq!(p.first_touch(), Some(100));
        assert_eq!(p.first_touch_channel(), Some(C::Email));
        assert_eq!(p.last_touch(), Some(1600));
        assert_eq!(p.last_interaction(), Some(1500));
        assert_eq!(
            (p.first_purchase(), p.last_purchase()),
            (Some(200), Some(900))
        );
        assert_eq!(p.purchases(), 2);
        // 10.10 + 0.20 is 10.299999… in binary floating point; micro-units are exact.
        assert_eq!(p.revenue(), 10.3);
        assert_eq!(p.refunds(), 0.2);
        assert_eq!(p.net_revenue(), 10.1);
        assert_eq!(p.average_order_value(), Some(5.15));
        assert_eq!(p.mean_purchase_interval(), Some(700.0));
        assert_eq!(p.channel_count(C::Web), 3);
        assert_eq!(p.kind_count(K::SurveyResponse), 2);
        assert_eq!(p.referrals(), 1);
        // Two NPS answers in the same second: the higher one is kept, whatever the order.
        assert_eq!(
            p.latest_rating(RatingScale::Nps),
            Some(TimedRating {
                time: 1000,
                value: 9.0
            })
        );
        assert_eq!(p.latest_rating(RatingScale::Csat), None);
    }

    #[test]
    fn every_order_gives_the_same_profile() {
        let s = signals();
        let ev = events();
        let mut reference = Profile::new(1, &s);
        for e in &ev {
            reference.apply(e, &s).unwrap();
        }
        for rot in 1..ev.len() {
            let mut p = Profile::new(1, &s);
            let mut order: Vec<&Touchpoint> = ev.iter().cycle().skip(rot).take(ev.len()).collect();
            order.reverse();
            for e in order {
                p.apply(e, &s).unwrap();
            }
            assert_eq!(p, reference);
        }
        let (a, b) = ev.split_at(3);
        let mut pa = Profile::new(1, &s);
        a.iter().for_each(|e| pa.apply(e, &s).unwrap());
        let mut pb = Profile::new(1, &s);
        b.iter().for_each(|e| pb.apply(e, &s).unwrap());
        pb.merge(&pa).unwrap();
        assert_eq!(pb, reference);
    }

    #[test]
    fn errors_leave_the_profile_unchanged() {
        let s = signals();
        let mut p = Profile::new(1, &s);
        p.apply(&events()[0], &s).unwrap();
        let before = p.clone();
        assert!(
            p.apply(&Touchpoint::new(2, 5, C::Web, K::Open), &s)
                .is_err()
        );
        assert!(
            p.apply(
                &Touchpoint::new(1, 5, C::Web, K::Purchase).with_value(f64::NAN),
                &s
            )
            .is_err()
        );
        let other = Signals::new(SignalConfig {
            half_life_days: 7.0,
            ..SignalConfig::default()
        })
        .unwrap();
        assert!(matches!(
            p.apply(&events()[1], &other),
            Err(EngError::Incompatible { .. })
        ));
        assert!(matches!(
            p.merge(&Profile::new(1, &other)),
            Err(EngError::Incompatible { .. })
        ));
        assert!(matches!(
            p.merge(&Profile::new(3, &s)),
            Err(EngError::Incompatible { .. })
        ));
        assert_eq!(p, before);
    }

    #[test]
    fn store_push_columns_is_all_or_nothing() {
        let mut store = ProfileStore::new(SignalConfig::default()).unwrap();
        store
            .push(&Touchpoint::new(5, 10, C::Web, K::Visit))
            .unwrap();
        let before = store.clone();
        let bad = TouchpointColumns {
            customer: &[1, 2, 3],
            time: &[1, 2, 3],
            channel: &[0, 0, 0],
            kind: &[4, 4, 4],
            value: &[1.0, -1.0, 1.0],
            ..Default::default()
        };
        let e = store.push_columns(&bad).unwrap_err();
        assert!(
            matches!(e, EngError::InvalidInput { index: Some(1), .. }),
            "{e}"
        );
        assert_eq!(store, before);
        assert_eq!(store.len(), 1);
        assert!(matches!(store.get(1), Err(EngError::UnknownId { id: 1 })));
    }

    #[test]
    fn customers_record_acquisition() {
        let mut store = ProfileStore::new(SignalConfig::default()).unwrap();
        store
            .add_customer(&Customer::new(9).acquired(50, C::Ads))
            .unwrap();
        store
            .add_customer(&Customer::new(9).acquired(40, C::Store))
            .unwrap();
        let p = store.get(9).unwrap();
        assert_eq!(p.acquired_at(), Some(40));
        assert_eq!(p.acquisition_channel(), Some(C::Store));
        assert_eq!(p.touches(), 0);
    }

    #[test]
    fn absurd_reservations_are_errors() {
        let mut store = ProfileStore::new(SignalConfig::default()).unwrap();
        assert!(matches!(
            store.reserve(usize::MAX),
            Err(EngError::InvalidInput { .. })
        ));
        store.reserve(10).unwrap();
        assert!(store.is_empty());
    }

    #[test]
    fn iteration_is_in_id_order() {
        let mut store = ProfileStore::new(SignalConfig::default()).unwrap();
        for id in [5, 3, 9, 1] {
            store
                .push(&Touchpoint::new(id, 1, C::Web, K::Visit))
                .unwrap();
        }
        let ids: Vec<u64> = store.iter().map(Profile::customer).collect();
        assert_eq!(ids, [1, 3, 5, 9]);
        assert_eq!(store.get(9).unwrap().customer(), 9);
        let (ids, touches) = store.map(|p| Ok(p.touches())).unwrap();
        assert_eq!(ids, [1, 3, 5, 9]);
        assert_eq!(touches, [1; 4]);
        // Adding a customer resets the cached order.
        store
            .push(&Touchpoint::new(4, 1, C::Web, K::Visit))
            .unwrap();
        let ids: Vec<u64> = store.iter().map(Profile::customer).collect();
        assert_eq!(ids, [1, 3, 4, 5, 9]);
    }

    #[test]
    fn packed_rows_round_trip_every_code() {
        use crate::model::{MAX_TIME, MIN_TIME, Rating};
        for time in [MIN_TIME, 1, 1_700_000_000, MAX_TIME] {
            for channel in Channel::ALL {
                for kind in TouchpointKind::ALL {
                    let mut ratings = vec![None];
                    for scale in RatingScale::ALL {
                        let (lo, hi) = scale.bounds();
                        ratings.extend((lo as u8..=hi as u8).map(|v| {
                            Some(Rating {
                                value: f32::from(v),
                                scale,
                            })
                        }));
                    }
                    for rating in ratings {
                        let tp = Touchpoint {
                            customer: u64::MAX,
                            time,
                            channel: *channel,
                            kind: *kind,
                            value: 1e12,
                            rating,
                            campaign: None,
                        };
                        let (r, sc) = rating.map_or((f32::NAN, 0), |r| (r.value, r.scale as u8));
                        let packed = PackedRow::new(
                            tp.customer,
                            time,
                            channel.code(),
                            kind.code(),
                            tp.value,
                            r,
                            sc,
                        );
                        assert_eq!(packed.touchpoint(), tp);
                    }
                }
            }
        }
    }

    #[test]
    fn bulk_rounds_match_one_by_one_pushes() {
        // Enough rows for the scatter path and more than one round.
        let table = crate::synth::generate(&crate::synth::SynthConfig {
            customers: 12_000,
            days: 120,
            ..Default::default()
        })
        .unwrap();
        assert!(table.len() > 4 * DIRECT_ROWS, "{}", table.len());
        let cols = table.columns();
        let bulk = ProfileStore::from_columns(SignalConfig::default(), &cols).unwrap();
        // Small rounds, so that a customer's rows span several rounds.
        let mut rounds = ProfileStore::new(SignalConfig::default()).unwrap();
        rounds.push_columns_in_rounds(&cols, 5_000).unwrap();
        let mut one_by_one = ProfileStore::new(SignalConfig::default()).unwrap();
        for i in (0..table.len()).rev() {
            one_by_one.push(&cols.row(i).unwrap()).unwrap();
        }
        assert_eq!(bulk.len(), 12_000);
        assert!(bulk == one_by_one);
        assert!(rounds == one_by_one);
    }

    mod props {
        use super::*;
        use crate::testing;
        use proptest::prelude::*;

        fn store_of(events: &[Touchpoint]) -> ProfileStore {
            let mut table = crate::model::TouchpointTable::default();
            events.iter().for_each(|e| table.push(e));
            ProfileStore::from_columns(SignalConfig::default(), &table.columns()).unwrap()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// Bulk columns, one-at-a-time pushes, and merged partial stores agree exactly.
            #[test]
            fn prop_bulk_incremental_and_merged_agree(
                events in testing::touchpoints(60),
                cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
            ) {
                let bulk = store_of(&events);
                let mut incremental = ProfileStore::new(SignalConfig::default()).unwrap();
                for e in &events {
                    incremental.push(e).unwrap();
                }
                prop_assert_eq!(&bulk, &incremental);

                // Split the events into consecutive parts at random cut points and merge.
                let mut points: Vec<usize> = cuts.iter().map(|c| c.index(events.len() + 1)).collect();
                points.sort_unstable();
                let mut parts = Vec::new();
                let mut last = 0;
                for p in points.into_iter().chain([events.len()]) {
                    parts.push(store_of(&events[last..p]));
                    last = p;
                }
                // Merge in reverse order, to also change the merge order.
                let mut merged = ProfileStore::new(SignalConfig::default()).unwrap();
                for part in parts.iter().rev() {
                    merged.merge(part).unwrap();
                }
                prop_assert_eq!(&bulk, &merged);
            }

            /// Any permutation of the input gives the same profiles.
            #[test]
            fn prop_order_independent(events in testing::touchpoints(60).prop_flat_map(|v| {
                let shuffled = Just(v.clone()).prop_shuffle();
                (Just(v), shuffled)
            })) {
                let (a, b) = events;
                prop_assert_eq!(store_of(&a), store_of(&b));
            }

            /// An extra purchase never lowers the purchase count or the revenue.
            #[test]
            fn prop_extra_purchase_monotone(
                events in testing::touchpoints(40),
                t in testing::START..testing::START + testing::SPAN,
                value in 0.0f64..1e6,
            ) {
                let before = store_of(&events);
                let mut with = events.clone();
                with.push(Touchpoint::new(1, t, Channel::Web, TouchpointKind::Purchase).with_value(value));
                let after = store_of(&with);
                let p = after.get(1).unwrap();
                let (count, revenue) = before.get(1).map(|q| (q.purchases(), q.revenue())).unwrap_or((0, 0.0));
                prop_assert_eq!(p.purchases(), count + 1);
                prop_assert!(p.revenue() >= revenue);
            }
        }
    }
}
