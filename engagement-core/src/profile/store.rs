//! The sharded store of many customers' profiles, and its bulk path.

use crate::error::{EngError, Result};
use crate::model::{Customer, PackedRow, Touchpoint, TouchpointColumns};
use crate::profile::Profile;
use crate::profile::signals::{SignalConfig, Signals};

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
                reason: "cannot merge stores built with different signal configurations".into(),
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

    /// The latest touchpoint time of any customer (`None` for an empty
    /// store): the `as_of` a nightly job's morning report starts from,
    /// without keeping the export.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// assert_eq!(store.latest_touch(), None);
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// store.push(&Touchpoint::new(2, 20, Channel::Email, K::Click))?;
    /// assert_eq!(store.latest_touch(), Some(20));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn latest_touch(&self) -> Option<i64> {
        self.shards
            .iter()
            .flat_map(|s| s.profiles.iter())
            .filter_map(Profile::last_touch)
            .max()
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
    use crate::model::{Channel, RatingScale, TouchpointKind};
    use crate::model::{Channel as C, TouchpointKind as K};
    use crate::profile::TimedRating;

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
