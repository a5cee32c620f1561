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

/// A rating with the time it was given.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimedRating {
    /// Unix seconds.
    pub time: i64,
    /// The rating (a whole number on its scale).
    pub value: f32,
}

impl TimedRating {
    /// True when `self` should replace `other` as the latest rating: later
    /// time wins; at the same second the higher value wins (a deterministic
    /// tie-break, so that arrival order never matters).
    fn newer_than(&self, other: &TimedRating) -> bool {
        (self.time, self.value) > (other.time, other.value)
    }
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
    acquired_at: Option<i64>,
    acquisition_channel: Option<Channel>,
    touches: u64,
    first_touch: Option<i64>,
    first_touch_channel: Option<Channel>,
    last_touch: Option<i64>,
    last_interaction: Option<i64>,
    first_purchase: Option<i64>,
    last_purchase: Option<i64>,
    purchases: u64,
    refund_count: u64,
    revenue_micros: i128,
    refunds_micros: i128,
    channel_counts: [u64; Channel::COUNT],
    kind_counts: [u64; TouchpointKind::COUNT],
    latest_ratings: [Option<TimedRating>; 3],
    decayed: DecayedSums,
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) | (None, x) => x,
    }
}

/// The earlier of two (time, channel) stamps; ties go to the lower channel code.
fn first_stamp(
    a: (Option<i64>, Option<Channel>),
    b: (Option<i64>, Option<Channel>),
) -> (Option<i64>, Option<Channel>) {
    match (a.0, b.0) {
        (Some(x), Some(y)) if (y, b.1) < (x, a.1) => b,
        (Some(_), _) => a,
        (None, _) => b,
    }
}

impl Profile {
    /// An empty profile (no touchpoints) for `customer`, tied to `signals`.
    pub fn new(customer: u64, signals: &Signals) -> Self {
        Profile {
            customer,
            signals: signals.fingerprint(),
            acquired_at: None,
            acquisition_channel: None,
            touches: 0,
            first_touch: None,
            first_touch_channel: None,
            last_touch: None,
            last_interaction: None,
            first_purchase: None,
            last_purchase: None,
            purchases: 0,
            refund_count: 0,
            revenue_micros: 0,
            refunds_micros: 0,
            channel_counts: [0; Channel::COUNT],
            kind_counts: [0; TouchpointKind::COUNT],
            latest_ratings: [None; 3],
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
        self.merge_unchecked(&Profile::single(tp, signals));
        Ok(())
    }

    /// The profile of exactly one valid touchpoint.
    fn single(tp: &Touchpoint, signals: &Signals) -> Profile {
        let mut p = Profile::new(tp.customer, signals);
        let t = tp.time;
        p.touches = 1;
        p.first_touch = Some(t);
        p.first_touch_channel = Some(tp.channel);
        p.last_touch = Some(t);
        if tp.kind.is_interaction() {
            p.last_interaction = Some(t);
        }
        let micros = (tp.value * MICROS).round() as i128;
        match tp.kind {
            TouchpointKind::Purchase => {
                p.first_purchase = Some(t);
                p.last_purchase = Some(t);
                p.purchases = 1;
                p.revenue_micros = micros;
            }
            TouchpointKind::Refund => {
                p.refund_count = 1;
                p.refunds_micros = micros;
            }
            _ => {}
        }
        p.channel_counts[usize::from(tp.channel.code())] = 1;
        p.kind_counts[usize::from(tp.kind.code())] = 1;
        if let Some(r) = tp.rating {
            p.latest_ratings[r.scale as usize] = Some(TimedRating {
                time: t,
                value: r.value,
            });
        }
        let cell = signals.cell_of(t);
        p.decayed = DecayedSums::single(
            signals,
            t,
            cell,
            signals.weights(tp.kind, tp.channel, tp.rating),
        );
        p
    }

    /// Records what a [`Customer`] record says (acquisition time and channel).
    ///
    /// Several records for one customer combine order-free: the earliest
    /// acquisition time wins (ties: the lower channel code).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for an invalid record or another customer's record.
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
        let (t, c) = first_stamp(
            (self.acquired_at, self.acquisition_channel),
            (customer.acquired_at, customer.acquisition_channel),
        );
        self.acquired_at = t;
        self.acquisition_channel = c;
        Ok(())
    }

    /// Combines with a profile of the same customer built from a disjoint set
    /// of touchpoints. Exact, associative and commutative.
    ///
    /// # Errors
    /// [`EngError::Incompatible`] for another customer or profiles built with
    /// different [`Signals`]. On error `self` is unchanged.
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

    fn merge_unchecked(&mut self, o: &Profile) {
        (self.acquired_at, self.acquisition_channel) = first_stamp(
            (self.acquired_at, self.acquisition_channel),
            (o.acquired_at, o.acquisition_channel),
        );
        if o.touches > 0 {
            if self.touches == 0 {
                self.decayed = o.decayed;
            } else {
                self.decayed.merge(&o.decayed);
            }
        }
        self.touches = self.touches.saturating_add(o.touches);
        (self.first_touch, self.first_touch_channel) = first_stamp(
            (self.first_touch, self.first_touch_channel),
            (o.first_touch, o.first_touch_channel),
        );
        self.last_touch = max_opt(self.last_touch, o.last_touch);
        self.last_interaction = max_opt(self.last_interaction, o.last_interaction);
        self.first_purchase = min_opt(self.first_purchase, o.first_purchase);
        self.last_purchase = max_opt(self.last_purchase, o.last_purchase);
        self.purchases = self.purchases.saturating_add(o.purchases);
        self.refund_count = self.refund_count.saturating_add(o.refund_count);
        self.revenue_micros = self.revenue_micros.saturating_add(o.revenue_micros);
        self.refunds_micros = self.refunds_micros.saturating_add(o.refunds_micros);
        for (a, b) in self.channel_counts.iter_mut().zip(o.channel_counts) {
            *a = a.saturating_add(b);
        }
        for (a, b) in self.kind_counts.iter_mut().zip(o.kind_counts) {
            *a = a.saturating_add(b);
        }
        for (a, b) in self.latest_ratings.iter_mut().zip(o.latest_ratings) {
            if let Some(b) = b
                && a.is_none_or(|a| b.newer_than(&a))
            {
                *a = Some(b);
            }
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
    pub fn customer(&self) -> u64 {
        self.customer
    }
    /// Acquisition time from a [`Customer`] record, if any.
    pub fn acquired_at(&self) -> Option<i64> {
        self.acquired_at
    }
    /// Acquisition channel: from a [`Customer`] record, else the channel of the first touchpoint.
    pub fn acquisition_channel(&self) -> Option<Channel> {
        self.acquisition_channel.or(self.first_touch_channel)
    }
    /// Number of touchpoints.
    pub fn touches(&self) -> u64 {
        self.touches
    }
    /// Time of the first touchpoint.
    pub fn first_touch(&self) -> Option<i64> {
        self.first_touch
    }
    /// Channel of the first touchpoint (ties at the same second: lowest code).
    pub fn first_touch_channel(&self) -> Option<Channel> {
        self.first_touch_channel
    }
    /// Time of the last touchpoint.
    pub fn last_touch(&self) -> Option<i64> {
        self.last_touch
    }
    /// Time of the last interaction (any kind but impression).
    pub fn last_interaction(&self) -> Option<i64> {
        self.last_interaction
    }
    /// Time of the first purchase.
    pub fn first_purchase(&self) -> Option<i64> {
        self.first_purchase
    }
    /// Time of the last purchase.
    pub fn last_purchase(&self) -> Option<i64> {
        self.last_purchase
    }
    /// Number of purchases.
    pub fn purchases(&self) -> u64 {
        self.purchases
    }
    /// Number of refunds.
    pub fn refund_count(&self) -> u64 {
        self.refund_count
    }
    /// Gross revenue: the sum of purchase values.
    pub fn revenue(&self) -> f64 {
        self.revenue_micros as f64 / MICROS
    }
    /// Sum of refunded amounts (positive).
    pub fn refunds(&self) -> f64 {
        self.refunds_micros as f64 / MICROS
    }
    /// Revenue in integer micro-units (exact).
    pub fn revenue_micros(&self) -> i128 {
        self.revenue_micros
    }
    /// Refunds in integer micro-units (exact).
    pub fn refunds_micros(&self) -> i128 {
        self.refunds_micros
    }
    /// Revenue minus refunds.
    pub fn net_revenue(&self) -> f64 {
        (self.revenue_micros - self.refunds_micros) as f64 / MICROS
    }
    /// Average order value: revenue / purchases (`None` without purchases).
    pub fn average_order_value(&self) -> Option<f64> {
        (self.purchases > 0).then(|| self.revenue() / self.purchases as f64)
    }
    /// Mean time between consecutive purchases in seconds:
    /// `(last_purchase − first_purchase) / (purchases − 1)`; `None` below two purchases.
    ///
    /// This is the customer's purchase rhythm, used by the at-risk rule. It is
    /// the only interval statistic a constant-size, mergeable profile can keep
    /// exactly (the spread of the gaps needs every purchase time).
    pub fn mean_purchase_interval(&self) -> Option<f64> {
        match (self.first_purchase, self.last_purchase) {
            (Some(f), Some(l)) if self.purchases >= 2 => {
                Some((l - f) as f64 / (self.purchases - 1) as f64)
            }
            _ => None,
        }
    }
    /// Touchpoints per channel.
    pub fn channel_count(&self, channel: Channel) -> u64 {
        self.channel_counts[usize::from(channel.code())]
    }
    /// Touchpoints per kind.
    pub fn kind_count(&self, kind: TouchpointKind) -> u64 {
        self.kind_counts[usize::from(kind.code())]
    }
    /// Number of referrals made.
    pub fn referrals(&self) -> u64 {
        self.kind_count(TouchpointKind::Referral)
    }
    /// Latest rating given on `scale`.
    pub fn latest_rating(&self, scale: RatingScale) -> Option<TimedRating> {
        self.latest_ratings[scale as usize]
    }
    /// The fixed-point decayed signal sums (for scoring).
    pub fn decayed(&self) -> &DecayedSums {
        &self.decayed
    }
    /// Fingerprint of the [`Signals`] the profile was built with.
    pub fn signals_fingerprint(&self) -> u64 {
        self.signals
    }
}

/// A flat, serializable view of a [`Profile`]: what reports, the C face's JSON
/// and the Python face's DataFrames show per customer.
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
    pub fn summary(&self) -> ProfileSummary {
        ProfileSummary {
            customer: self.customer,
            touches: self.touches,
            first_touch: self.first_touch,
            last_touch: self.last_touch,
            last_interaction: self.last_interaction,
            first_purchase: self.first_purchase,
            last_purchase: self.last_purchase,
            purchases: self.purchases,
            refund_count: self.refund_count,
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

/// The profiles of many customers, keyed by customer id.
///
/// Results that list customers ([`iter`](Self::iter), scores, stages) come in
/// ascending customer id, whatever the order of the input.
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
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ProfileStore {
    signals: Signals,
    index: rustc_hash::FxHashMap<u64, usize>,
    profiles: Vec<Profile>,
    sorted: bool,
}

impl PartialEq for ProfileStore {
    fn eq(&self, other: &Self) -> bool {
        self.signals.fingerprint() == other.signals.fingerprint()
            && self.len() == other.len()
            && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl ProfileStore {
    /// An empty store whose profiles accumulate signals as `config` says.
    ///
    /// # Errors
    /// [`EngError::Config`] for an invalid configuration.
    pub fn new(config: SignalConfig) -> Result<Self> {
        Ok(Self::with_signals(Signals::new(config)?))
    }

    /// An empty store for already compiled signals.
    pub fn with_signals(signals: Signals) -> Self {
        ProfileStore {
            signals,
            index: rustc_hash::FxHashMap::default(),
            profiles: Vec::new(),
            sorted: true,
        }
    }

    /// Builds a store from columns in one call (see [`push_columns`](Self::push_columns)).
    ///
    /// # Errors
    /// As [`SignalConfig::validate`] and [`TouchpointColumns::validate`].
    pub fn from_columns(config: SignalConfig, cols: &TouchpointColumns<'_>) -> Result<Self> {
        let mut s = Self::new(config)?;
        s.push_columns(cols)?;
        Ok(s)
    }

    /// The compiled signal configuration.
    pub fn signals(&self) -> &Signals {
        &self.signals
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// True when the store holds no customer.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Reserves room for `additional` more customers.
    pub fn reserve(&mut self, additional: usize) {
        self.index.reserve(additional);
        self.profiles.reserve(additional);
    }

    fn slot(&mut self, customer: u64) -> &mut Profile {
        let next = self.profiles.len();
        let i = *self.index.entry(customer).or_insert(next);
        if i == next {
            if self.profiles.last().is_some_and(|p| p.customer > customer) {
                self.sorted = false;
            }
            self.profiles.push(Profile::new(customer, &self.signals));
        }
        &mut self.profiles[i]
    }

    /// Adds one touchpoint (any order, any customer).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for an invalid touchpoint; the store is unchanged.
    pub fn push(&mut self, tp: &Touchpoint) -> Result<()> {
        tp.validate()?;
        let single = Profile::single(tp, &self.signals);
        self.slot(tp.customer).merge_unchecked(&single);
        Ok(())
    }

    /// Adds many touchpoints given as columns.
    ///
    /// All rows are checked before any is applied, so on error the store is
    /// unchanged.
    ///
    /// # Errors
    /// As [`TouchpointColumns::validate`].
    pub fn push_columns(&mut self, cols: &TouchpointColumns<'_>) -> Result<()> {
        let n = cols.validate()?;
        for i in 0..n {
            // Rows were validated above; `row` cannot fail here.
            let tp = cols.row(i)?;
            let single = Profile::single(&tp, &self.signals);
            let p = self.slot(tp.customer);
            p.merge_unchecked(&single);
        }
        Ok(())
    }

    /// Registers a customer record (creates the profile if needed).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for an invalid record; the store is unchanged.
    pub fn add_customer(&mut self, customer: &Customer) -> Result<()> {
        customer.validate()?;
        self.slot(customer.id).apply_customer(customer)
    }

    /// Merges a profile built elsewhere (another thread, another machine).
    ///
    /// # Errors
    /// [`EngError::Incompatible`] when it was built with other signals.
    pub fn merge_profile(&mut self, profile: &Profile) -> Result<()> {
        profile.check_signals(&self.signals)?;
        self.slot(profile.customer).merge_unchecked(profile);
        Ok(())
    }

    /// Merges another store into this one (exact; any partitioning of the
    /// touchpoints and any merge order give equal stores).
    ///
    /// # Errors
    /// [`EngError::Incompatible`] when the stores use different signals; `self`
    /// is unchanged.
    pub fn merge(&mut self, other: &ProfileStore) -> Result<()> {
        if other.signals.fingerprint() != self.signals.fingerprint() {
            return Err(EngError::Incompatible {
                reason: "stores were built with different signal configurations".into(),
            });
        }
        self.reserve(other.len());
        for p in &other.profiles {
            self.slot(p.customer).merge_unchecked(p);
        }
        Ok(())
    }

    /// The profile of one customer.
    ///
    /// # Errors
    /// [`EngError::UnknownId`] when the store has never seen the customer.
    pub fn get(&self, customer: u64) -> Result<&Profile> {
        self.index
            .get(&customer)
            .map(|&i| &self.profiles[i])
            .ok_or(EngError::UnknownId { id: customer })
    }

    /// Sorts the profiles by customer id (done once; later calls are free).
    pub fn sort(&mut self) {
        if !self.sorted {
            self.profiles.sort_unstable_by_key(|p| p.customer);
            for (i, p) in self.profiles.iter().enumerate() {
                self.index.insert(p.customer, i);
            }
            self.sorted = true;
        }
    }

    /// Profiles in ascending customer id.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> + '_ {
        let order: Box<dyn Iterator<Item = &Profile>> = if self.sorted {
            Box::new(self.profiles.iter())
        } else {
            let mut refs: Vec<&Profile> = self.profiles.iter().collect();
            refs.sort_unstable_by_key(|p| p.customer);
            Box::new(refs.into_iter())
        };
        order
    }

    /// The profiles as a slice, in ascending customer id (sorts first if needed).
    pub fn profiles(&mut self) -> &[Profile] {
        self.sort();
        &self.profiles
    }

    /// The profiles in ascending customer id, without mutating the store.
    /// Borrowed when the store is already sorted.
    pub fn sorted_profiles(&self) -> std::borrow::Cow<'_, [Profile]> {
        if self.sorted {
            std::borrow::Cow::Borrowed(&self.profiles)
        } else {
            let mut v = self.profiles.clone();
            v.sort_unstable_by_key(|p| p.customer);
            std::borrow::Cow::Owned(v)
        }
    }
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
    fn iteration_is_in_id_order() {
        let mut store = ProfileStore::new(SignalConfig::default()).unwrap();
        for id in [5, 3, 9, 1] {
            store
                .push(&Touchpoint::new(id, 1, C::Web, K::Visit))
                .unwrap();
        }
        let ids: Vec<u64> = store.iter().map(Profile::customer).collect();
        assert_eq!(ids, [1, 3, 5, 9]);
        store.sort();
        assert_eq!(store.get(9).unwrap().customer(), 9);
        let ids: Vec<u64> = store.profiles().iter().map(Profile::customer).collect();
        assert_eq!(ids, [1, 3, 5, 9]);
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
                t in 1_600_000_000i64..1_700_000_000,
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
