//! The weighted, recency-decayed signals a profile accumulates for scoring.
//!
//! Each touchpoint adds to four signals, one per engagement type. The
//! contribution of a touchpoint of kind `k` on channel `c` to type `j` is
//!
//! ```text
//! w_j(k, c) = kind_weights[k].j × channel_weights[c].j        (× rating, for emotional)
//! ```
//!
//! where a rating, when present, multiplies the emotional contribution by the
//! rating mapped onto −1 … +1 ([`RatingScale::normalized`](crate::model::RatingScale::normalized)). At time `as_of` a
//! touchpoint at time `t` counts `w_j · 2^(−(as_of − t)/h)` with half-life `h`.
//!
//! # Exact, order-free accumulation
//!
//! The decayed sums are kept in fixed point (integers), so that adding
//! touchpoints in any order, in bulk, or by merging partial profiles gives
//! bit-identical profiles. Time is cut into cells of [`CELL_HALF_LIVES`]
//! half-lives; a touchpoint's contribution is taken relative to the end of its
//! cell and rounded to a multiple of 2⁻⁸⁰. A profile keeps the sums of its
//! newest cell and the one before; older touchpoints (at least 32 half-lives
//! older than the newest, so decayed below 2⁻³² ≈ 2.3·10⁻¹⁰ of their weight)
//! are dropped. Integer addition is associative and commutative, and which
//! cells are kept depends only on the newest event, so the result is a
//! function of the set of touchpoints alone.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::error::{Result, ensure_config, positive};
use crate::model::{Channel, Code, Rating, TouchpointKind};

/// Number of half-lives spanned by one accumulation cell.
///
/// # Examples
///
/// ```
/// assert_eq!(engagement_core::score::signals::CELL_HALF_LIVES, 32.0);
/// ```
pub const CELL_HALF_LIVES: f64 = 32.0;
/// Fractional bits of the fixed-point decayed sums.
const FRACTION_BITS: i32 = 80;
/// Largest accepted absolute weight (keeps every sum far from overflow).
///
/// # Examples
///
/// ```
/// use engagement_core::{SignalConfig, TouchpointKind, TypeWeights};
/// let mut cfg = SignalConfig::default();
/// cfg.kind_weights.insert(TouchpointKind::Open, TypeWeights::splat(1e4));
/// assert!(cfg.validate().is_err()); // beyond MAX_WEIGHT
/// ```
pub const MAX_WEIGHT: f64 = 1000.0;

/// One number per engagement type.
///
/// The four types of engagement:
/// - **emotional**: how customers feel: ratings, reviews, complaints (negative);
/// - **contextual**: responses to targeted messages: opens, clicks, redemptions;
/// - **convenient**: self-service, low-friction use: sessions, app and chat, repeat orders;
/// - **social**: referrals, shares, public reviews.
///
/// # Examples
///
/// ```
/// use engagement_core::TypeWeights;
/// let w: TypeWeights = serde_json::from_str(r#"{"social": 2}"#)?;
/// assert_eq!(w.to_array(), [0.0, 0.0, 0.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TypeWeights {
    /// Emotional engagement.
    pub emotional: f64,
    /// Contextual engagement.
    pub contextual: f64,
    /// Convenient engagement.
    pub convenient: f64,
    /// Social engagement.
    pub social: f64,
}

impl TypeWeights {
    /// Builds from the four values in the order emotional, contextual, convenient, social.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TypeWeights;
    /// assert_eq!(TypeWeights::new(1.0, 2.0, 3.0, 4.0).convenient, 3.0);
    /// ```
    pub const fn new(emotional: f64, contextual: f64, convenient: f64, social: f64) -> Self {
        TypeWeights {
            emotional,
            contextual,
            convenient,
            social,
        }
    }

    /// The same value for all four types.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TypeWeights;
    /// assert_eq!(TypeWeights::splat(0.5).social, 0.5);
    /// ```
    pub const fn splat(v: f64) -> Self {
        TypeWeights::new(v, v, v, v)
    }

    /// As an array in the order emotional, contextual, convenient, social.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TypeWeights;
    /// assert_eq!(TypeWeights::new(1.0, 2.0, 3.0, 4.0).to_array(), [1.0, 2.0, 3.0, 4.0]);
    /// ```
    pub const fn to_array(self) -> [f64; 4] {
        [
            self.emotional,
            self.contextual,
            self.convenient,
            self.social,
        ]
    }

    /// From an array in the order emotional, contextual, convenient, social.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TypeWeights;
    /// assert_eq!(TypeWeights::from_array([1.0, 0.0, 0.0, 0.0]).emotional, 1.0);
    /// ```
    pub const fn from_array(a: [f64; 4]) -> Self {
        TypeWeights::new(a[0], a[1], a[2], a[3])
    }

    /// Names of the four types, in array order.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TypeWeights;
    /// assert_eq!(TypeWeights::NAMES[2], "convenient");
    /// ```
    pub const NAMES: [&'static str; 4] = ["emotional", "contextual", "convenient", "social"];
}

/// How touchpoints turn into the four decayed engagement signals.
///
/// These settings are fixed when profiles are built (see `DESIGN.md`, "Why are
/// decay and weights fixed when profiles are built?"); the saturation and the
/// mix of the four types are chosen at scoring time in
/// [`ScoreConfig`](crate::ScoreConfig).
///
/// Default weights per kind (emotional, contextual, convenient, social):
///
/// | kind | emotional | contextual | convenient | social |
/// |---|---|---|---|---|
/// | impression | 0 | 0 | 0 | 0 |
/// | open | 0 | 1 | 0 | 0 |
/// | click | 0 | 2 | 0 | 0 |
/// | visit | 0 | 0 | 1 | 0 |
/// | purchase | 0 | 0 | 3 | 0 |
/// | refund | −1 | 0 | 0 | 0 |
/// | review | 2 | 0 | 0 | 2 |
/// | referral | 1 | 0 | 0 | 4 |
/// | share | 0 | 0 | 0 | 2 |
/// | support_contact | 0 | 0 | 1 | 0 |
/// | complaint | −3 | 0 | 0 | 0 |
/// | survey_response | 3 | 0.5 | 0 | 0 |
/// | offer_redeemed | 0 | 3 | 0 | 0 |
/// | other | 0 | 0 | 0 | 0 |
/// | cart_add | 0 | 1 | 1 | 0 |
/// | checkout | 0 | 1 | 2 | 0 |
///
/// A rating on any touchpoint multiplies its emotional weight by the rating
/// mapped linearly onto −1 … +1, so a rating below the middle of its scale
/// counts against. The map is linear, not the NPS bucketing: a 6 out of 10 (a
/// detractor in NPS terms) maps to +0.2 and still counts slightly for. The
/// channel multipliers are 1 for every type except: `mobile_app` and `chat`
/// convenient 1.5, `store` emotional 1.25, `social` social 1.5, `ads` 0.5 for
/// all types.
///
/// # Examples
///
/// ```
/// use engagement_core::{SignalConfig, TouchpointKind, TypeWeights};
///
/// let mut cfg = SignalConfig::default();
/// cfg.half_life_days = 14.0;
/// cfg.kind_weights.insert(TouchpointKind::Visit, TypeWeights::new(0.0, 0.0, 2.0, 0.0));
/// cfg.validate()?;
/// // The same as JSON; unknown keys are rejected.
/// let cfg: SignalConfig = serde_json::from_str(r#"{"half_life_days": 14}"#)?;
/// assert_eq!(cfg.half_life_days, 14.0);
/// assert!(serde_json::from_str::<SignalConfig>(r#"{"half_life": 14}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignalConfig {
    /// Half-life of a touchpoint's weight, in days of 86,400 s (default 30;
    /// fractions allowed).
    pub half_life_days: f64,
    /// Weights per kind; kinds not listed weigh 0. Default: the table above.
    pub kind_weights: BTreeMap<TouchpointKind, TypeWeights>,
    /// Multipliers per channel; channels not listed multiply by 1.
    pub channel_weights: BTreeMap<Channel, TypeWeights>,
}

impl Default for SignalConfig {
    fn default() -> Self {
        use TouchpointKind as K;
        let kind_weights = [
            (K::Open, TypeWeights::new(0.0, 1.0, 0.0, 0.0)),
            (K::Click, TypeWeights::new(0.0, 2.0, 0.0, 0.0)),
            (K::Visit, TypeWeights::new(0.0, 0.0, 1.0, 0.0)),
            (K::Purchase, TypeWeights::new(0.0, 0.0, 3.0, 0.0)),
            (K::Refund, TypeWeights::new(-1.0, 0.0, 0.0, 0.0)),
            (K::Review, TypeWeights::new(2.0, 0.0, 0.0, 2.0)),
            (K::Referral, TypeWeights::new(1.0, 0.0, 0.0, 4.0)),
            (K::Share, TypeWeights::new(0.0, 0.0, 0.0, 2.0)),
            (K::SupportContact, TypeWeights::new(0.0, 0.0, 1.0, 0.0)),
            (K::Complaint, TypeWeights::new(-3.0, 0.0, 0.0, 0.0)),
            (K::SurveyResponse, TypeWeights::new(3.0, 0.5, 0.0, 0.0)),
            (K::OfferRedeemed, TypeWeights::new(0.0, 3.0, 0.0, 0.0)),
            (K::CartAdd, TypeWeights::new(0.0, 1.0, 1.0, 0.0)),
            (K::Checkout, TypeWeights::new(0.0, 1.0, 2.0, 0.0)),
        ]
        .into_iter()
        .collect();
        let channel_weights = [
            (Channel::MobileApp, TypeWeights::new(1.0, 1.0, 1.5, 1.0)),
            (Channel::Chat, TypeWeights::new(1.0, 1.0, 1.5, 1.0)),
            (Channel::Store, TypeWeights::new(1.25, 1.0, 1.0, 1.0)),
            (Channel::Social, TypeWeights::new(1.0, 1.0, 1.0, 1.5)),
            (Channel::Ads, TypeWeights::splat(0.5)),
        ]
        .into_iter()
        .collect();
        SignalConfig {
            half_life_days: 30.0,
            kind_weights,
            channel_weights,
        }
    }
}

impl SignalConfig {
    /// Checks every value.
    ///
    /// # Errors
    /// [`EngError::Config`](crate::EngError::Config) naming the field: a
    /// half-life that is not finite or below one hour, a weight that is not
    /// finite or beyond ±1000, a negative channel multiplier.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::SignalConfig;
    /// assert!(SignalConfig { half_life_days: 0.01, ..Default::default() }.validate().is_err()); // under an hour
    /// ```
    pub fn validate(&self) -> Result<()> {
        positive("half_life_days", self.half_life_days)?;
        ensure_config!(
            self.half_life_days >= 1.0 / 24.0 && self.half_life_days <= 365_250.0,
            "half_life_days",
            "must lie between one hour (0.0417) and 1000 years, got {}",
            self.half_life_days
        );
        for (k, w) in &self.kind_weights {
            for (name, v) in TypeWeights::NAMES.iter().zip(w.to_array()) {
                ensure_config!(
                    v.is_finite() && v.abs() <= MAX_WEIGHT,
                    format!("kind_weights.{k}.{name}"),
                    "must be finite and within ±{MAX_WEIGHT}, got {v}"
                );
            }
        }
        for (c, w) in &self.channel_weights {
            for (name, v) in TypeWeights::NAMES.iter().zip(w.to_array()) {
                ensure_config!(
                    v.is_finite() && (0.0..=MAX_WEIGHT).contains(&v),
                    format!("channel_weights.{c}.{name}"),
                    "must be finite and within 0..={MAX_WEIGHT}, got {v}"
                );
            }
        }
        Ok(())
    }
}

/// A validated [`SignalConfig`] compiled into a lookup table.
///
/// Profiles remember the [`fingerprint`](Signals::fingerprint) of the signals
/// they were built with, so that profiles built with different weights are
/// never merged or scored together by mistake.
///
/// # Examples
///
/// ```
/// use engagement_core::{SignalConfig, Signals};
/// let a = Signals::new(SignalConfig::default())?;
/// let b = Signals::new(SignalConfig { half_life_days: 7.0, ..Default::default() })?;
/// assert_ne!(a.fingerprint(), b.fingerprint());
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Signals {
    config: SignalConfig,
    /// Half-life in seconds.
    half_life: f64,
    /// `1 / half_life`: times are converted to half-life units by one multiplication.
    per_second: f64,
    /// `table[kind][channel]` = contribution to each type.
    table: [[[f64; 4]; Channel::COUNT]; TouchpointKind::COUNT],
    fingerprint: u64,
}

impl Signals {
    /// Validates and compiles a configuration.
    ///
    /// # Errors
    /// As [`SignalConfig::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{SignalConfig, Signals};
    /// assert!(Signals::new(SignalConfig { half_life_days: f64::NAN, ..Default::default() }).is_err());
    /// ```
    pub fn new(config: SignalConfig) -> Result<Self> {
        config.validate()?;
        let mut table = [[[0.0; 4]; Channel::COUNT]; TouchpointKind::COUNT];
        for (ki, row) in table.iter_mut().enumerate() {
            let kind = TouchpointKind::ALL[ki];
            let kw = config
                .kind_weights
                .get(&kind)
                .copied()
                .unwrap_or_default()
                .to_array();
            for (ci, cell) in row.iter_mut().enumerate() {
                let channel = Channel::ALL[ci];
                let cw = config
                    .channel_weights
                    .get(&channel)
                    .copied()
                    .unwrap_or(TypeWeights::splat(1.0))
                    .to_array();
                for j in 0..4 {
                    cell[j] = kw[j] * cw[j];
                }
            }
        }
        let half_life = config.half_life_days * 86_400.0;
        let mut h = rustc_hash::FxHasher::default();
        half_life.to_bits().hash(&mut h);
        for row in &table {
            for cell in row {
                for v in cell {
                    v.to_bits().hash(&mut h);
                }
            }
        }
        Ok(Signals {
            config,
            half_life,
            per_second: 1.0 / half_life,
            table,
            fingerprint: h.finish(),
        })
    }

    /// The configuration these signals were compiled from.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{SignalConfig, Signals};
    /// assert_eq!(Signals::new(SignalConfig::default())?.config(), &SignalConfig::default());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn config(&self) -> &SignalConfig {
        &self.config
    }

    /// Half-life in seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{SignalConfig, Signals};
    /// assert_eq!(Signals::new(SignalConfig::default())?.half_life_seconds(), 30.0 * 86_400.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn half_life_seconds(&self) -> f64 {
        self.half_life
    }

    /// A hash of the compiled weights and half-life.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{SignalConfig, Signals};
    /// let a = Signals::new(SignalConfig::default())?;
    /// assert_eq!(a.fingerprint(), Signals::new(SignalConfig::default())?.fingerprint());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// Contribution of one touchpoint to each type, before decay.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Rating, RatingScale, SignalConfig, Signals, TouchpointKind};
    /// let s = Signals::new(SignalConfig::default())?;
    /// assert_eq!(s.weights(TouchpointKind::Referral, Channel::Social, None), [1.0, 0.0, 0.0, 6.0]);
    /// let low = Some(Rating { value: 1.0, scale: RatingScale::Csat });
    /// assert_eq!(s.weights(TouchpointKind::Review, Channel::Web, low)[0], -2.0); // 2 × (−1)
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn weights(
        &self,
        kind: TouchpointKind,
        channel: Channel,
        rating: Option<Rating>,
    ) -> [f64; 4] {
        let mut w = self.table[usize::from(kind.code())][usize::from(channel.code())];
        if let Some(r) = rating {
            w[0] *= r.scale.normalized(r.value);
        }
        w
    }

    /// Time `t` (Unix seconds) in half-life units.
    #[inline]
    fn half_lives(&self, t: i64) -> f64 {
        t as f64 * self.per_second
    }

    /// The cell of time `t` (Unix seconds).
    pub(crate) fn cell_of(&self, t: i64) -> i64 {
        // Touch times are ≥ 0 (validated), so truncation is the floor; the
        // cast avoids a library call on baseline x86-64.
        (self.half_lives(t) / CELL_HALF_LIVES) as i64
    }

    /// `2^(−(end of cell − t)/h)`: the decay of `t` relative to the end of its cell.
    fn decay_to_cell_end(&self, t: i64, cell: i64) -> f64 {
        let end = (cell + 1) as f64 * CELL_HALF_LIVES;
        (self.half_lives(t) - end).exp2()
    }

    /// `2^(−(as_of − end of cell)/h)`.
    fn decay_from_cell_end(&self, cell: i64, as_of: i64) -> f64 {
        let end = (cell + 1) as f64 * CELL_HALF_LIVES;
        (end - self.half_lives(as_of)).exp2()
    }
}

/// Converts a finite `f64` to an integer by truncation toward zero, exactly
/// for every magnitude below 2¹²⁶ (|weight| ≤ 1000 times 2⁸⁰ stays below 2⁹⁰).
///
/// Works on the bits (mantissa shifted by the exponent) rather than through
/// the generic float-to-`i128` cast, which is a slow library routine.
#[inline]
fn to_fixed(x: f64) -> i128 {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    if exponent == 0 {
        return 0; // zero or subnormal: below one unit
    }
    let mantissa = i128::from((bits & ((1u64 << 52) - 1)) | (1u64 << 52));
    let shift = exponent - 1075;
    let magnitude = if shift >= 0 {
        mantissa << shift.min(74)
    } else if shift > -64 {
        mantissa >> -shift
    } else {
        0
    };
    if bits >> 63 == 1 {
        -magnitude
    } else {
        magnitude
    }
}

/// Converts a fixed-point sum to `f64` (within one rounding of the exact
/// value). Splitting the magnitude into 64-bit halves avoids the slow generic
/// `i128 as f64` library routine; the high half of any sum here is far below
/// 2⁵³, so only the low half is rounded.
#[inline]
fn to_f64(x: i128) -> f64 {
    if x == 0 {
        return 0.0;
    }
    let m = x.unsigned_abs();
    let v = (m >> 64) as u64 as f64 * 18_446_744_073_709_551_616.0 + m as u64 as f64;
    if x < 0 { -v } else { v }
}

/// Fixed-point decayed sums of the four signals (see the module docs).
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, Profile, SignalConfig, Signals, Touchpoint, TouchpointKind};
/// let s = Signals::new(SignalConfig::default())?;
/// let mut p = Profile::new(1, &s);
/// p.apply(&Touchpoint::new(1, 0, Channel::Email, TouchpointKind::Click), &s)?;
/// assert_eq!(p.decayed().cell, 0);
/// assert!(p.decayed().sums[0][1] > 0); // contextual
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DecayedSums {
    /// The newest cell holding a touchpoint.
    pub cell: i64,
    /// `sums[0]`: touchpoints in `cell`; `sums[1]`: in `cell − 1`. Units of 2⁻⁸⁰.
    pub sums: [[i128; 4]; 2],
}

impl DecayedSums {
    /// The fixed-point contribution of one touchpoint at time `t` with
    /// weights `w`, relative to the end of its cell; returns `(cell, sums)`.
    pub(crate) fn contribution(signals: &Signals, t: i64, w: [f64; 4]) -> (i64, [i128; 4]) {
        let cell = signals.cell_of(t);
        let scale = (2.0f64).powi(FRACTION_BITS) * signals.decay_to_cell_end(t, cell);
        (cell, w.map(|wj| to_fixed(wj * scale)))
    }

    /// Sums holding one touchpoint at time `t` with weights `w`.
    #[cfg(test)]
    pub(crate) fn single(signals: &Signals, t: i64, w: [f64; 4]) -> Self {
        let (cell, s) = Self::contribution(signals, t, w);
        DecayedSums {
            cell,
            sums: [s, [0; 4]],
        }
    }

    /// Adds one cell's sums to non-empty sums (the cheap case of [`merge`](Self::merge)).
    pub(crate) fn add_cell(&mut self, cell: i64, sums: [i128; 4]) {
        if cell > self.cell {
            // The new cell becomes the newest; keep the old newest only if adjacent.
            self.sums[1] = if cell == self.cell + 1 {
                self.sums[0]
            } else {
                [0; 4]
            };
            self.sums[0] = sums;
            self.cell = cell;
        } else if let Ok(slot @ 0..=1) = usize::try_from(self.cell - cell) {
            for (o, s) in self.sums[slot].iter_mut().zip(sums) {
                *o = o.wrapping_add(s);
            }
        }
    }

    /// Adds another set of sums (exact, associative and commutative).
    pub(crate) fn merge(&mut self, other: &DecayedSums) {
        let (hi, lo) = if other.cell > self.cell {
            (*other, *self)
        } else {
            (*self, *other)
        };
        let mut out = hi;
        // Place `lo`'s two cells relative to `hi.cell`; drop what is two or more cells older.
        for (k, sums) in lo.sums.iter().enumerate() {
            let age = hi.cell - (lo.cell - k as i64);
            if let Ok(slot @ 0..=1) = usize::try_from(age) {
                for (o, s) in out.sums[slot].iter_mut().zip(sums) {
                    *o = o.wrapping_add(*s);
                }
            }
        }
        *self = out;
    }

    /// The four decayed sums at time `as_of`, in weight units.
    #[cfg(test)]
    pub(crate) fn at(&self, signals: &Signals, as_of: i64) -> [f64; 4] {
        self.at_scale(Self::scale_at(signals, self.cell, as_of))
    }

    /// The factor that turns the newest cell's fixed-point sums into decayed
    /// weights at `as_of`; the same for every profile whose newest cell is
    /// `cell`, so bulk scoring computes it once per distinct cell.
    pub(crate) fn scale_at(signals: &Signals, cell: i64, as_of: i64) -> f64 {
        signals.decay_from_cell_end(cell, as_of) * (2.0f64).powi(-FRACTION_BITS)
    }

    /// The cell whose scale [`at_scale`](Self::at_scale) needs.
    pub(crate) fn cell(&self) -> i64 {
        self.cell
    }

    /// The four decayed sums given the newest cell's scale ([`scale_at`](Self::scale_at)).
    pub(crate) fn at_scale(&self, f0: f64) -> [f64; 4] {
        // The previous cell ends CELL_HALF_LIVES (= 32) half-lives earlier.
        let f1 = f0 * (1.0 / 4_294_967_296.0);
        let mut out = [0.0; 4];
        for (j, o) in out.iter_mut().enumerate() {
            *o = to_f64(self.sums[0][j]) * f0 + to_f64(self.sums[1][j]) * f1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RatingScale;

    fn signals() -> Signals {
        Signals::new(SignalConfig::default()).unwrap()
    }

    #[test]
    fn fixed_point_conversion_truncates_exactly() {
        for x in [
            0.0,
            -0.0,
            0.75,
            -0.75,
            1.0,
            2.5,
            -2.5,
            1e15 + 0.5,
            3.0 * 2f64.powi(80),
            -7.0 * 2f64.powi(89),
        ] {
            assert_eq!(to_fixed(x), x.trunc() as i128, "{x}");
        }
        assert_eq!(to_fixed(f64::MIN_POSITIVE / 2.0), 0);
    }

    #[test]
    fn fixed_point_back_to_float() {
        for x in [
            0i128,
            1,
            -1,
            3 << 80,
            -(7 << 89),
            (1 << 64) + 12345,
            -(1 << 64) - 1,
            123_456_789_012_345_678_901_234,
        ] {
            let exact = x as f64; // the correctly rounded (slow) conversion
            assert!(
                (to_f64(x) - exact).abs() <= exact.abs() * f64::EPSILON,
                "{x}"
            );
        }
    }

    #[test]
    fn default_config_is_valid_and_round_trips() {
        let cfg = SignalConfig::default();
        cfg.validate().unwrap();
        let json = serde_json::to_string(&cfg).unwrap();
        let back: SignalConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn bad_config_names_the_field() {
        let mut cfg = SignalConfig::default();
        cfg.kind_weights.insert(
            TouchpointKind::Click,
            TypeWeights::new(0.0, f64::NAN, 0.0, 0.0),
        );
        let e = cfg.validate().unwrap_err();
        assert!(
            e.to_string().contains("kind_weights.click.contextual"),
            "{e}"
        );
        let cfg = SignalConfig {
            half_life_days: 0.0,
            ..SignalConfig::default()
        };
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("half_life_days")
        );
    }

    #[test]
    fn weights_follow_the_table() {
        let s = signals();
        assert_eq!(
            s.weights(TouchpointKind::Click, Channel::Email, None),
            [0.0, 2.0, 0.0, 0.0]
        );
        assert_eq!(
            s.weights(TouchpointKind::Visit, Channel::MobileApp, None),
            [0.0, 0.0, 1.5, 0.0]
        );
        assert_eq!(
            s.weights(TouchpointKind::Click, Channel::Ads, None),
            [0.0, 1.0, 0.0, 0.0]
        );
        // NPS 0 → −1 × 3 emotional; NPS 10 → +3.
        let r = |v| {
            Some(Rating {
                value: v,
                scale: RatingScale::Nps,
            })
        };
        assert_eq!(
            s.weights(TouchpointKind::SurveyResponse, Channel::Email, r(0.0))[0],
            -3.0
        );
        assert_eq!(
            s.weights(TouchpointKind::SurveyResponse, Channel::Email, r(10.0))[0],
            3.0
        );
        assert_eq!(
            s.weights(TouchpointKind::SurveyResponse, Channel::Email, r(5.0))[0],
            0.0
        );
    }

    #[test]
    fn single_touch_decays_by_half_per_half_life() {
        let s = signals();
        let t = 1_700_000_000;
        let sums = DecayedSums::single(&s, t, [1.0, 2.0, 0.0, -3.0]);
        let h = 30 * 86_400;
        let at0 = sums.at(&s, t);
        let at1 = sums.at(&s, t + h);
        let at2 = sums.at(&s, t + 2 * h);
        for (j, w) in [1.0, 2.0, 0.0, -3.0].iter().enumerate() {
            assert!((at0[j] - w).abs() < 1e-12, "{at0:?}");
            assert!((at1[j] - w / 2.0).abs() < 1e-12, "{at1:?}");
            assert!((at2[j] - w / 4.0).abs() < 1e-12, "{at2:?}");
        }
    }

    #[test]
    fn merge_is_order_free_and_drops_only_very_old_cells() {
        let s = signals();
        let h = s.half_life_seconds() as i64;
        let times = [0, 5 * h, 33 * h, 40 * h, 70 * h, 100 * h, 101 * h];
        let parts: Vec<DecayedSums> = times
            .iter()
            .map(|&t| DecayedSums::single(&s, t, [1.0; 4]))
            .collect();
        // Adding single cells one by one, newest first, gives the same as merging.
        let mut added = parts[parts.len() - 1];
        for &t in times[..times.len() - 1].iter().rev() {
            let (cell, sums) = DecayedSums::contribution(&s, t, [1.0; 4]);
            added.add_cell(cell, sums);
        }
        let mut added_fwd = parts[0];
        for &t in &times[1..] {
            let (cell, sums) = DecayedSums::contribution(&s, t, [1.0; 4]);
            added_fwd.add_cell(cell, sums);
        }
        let mut fwd = parts[0];
        for p in &parts[1..] {
            fwd.merge(p);
        }
        let mut rev = parts[parts.len() - 1];
        for p in parts[..parts.len() - 1].iter().rev() {
            rev.merge(p);
        }
        assert_eq!(fwd, rev);
        assert_eq!(fwd, added);
        assert_eq!(fwd, added_fwd);
        // At 101 h the touches at ≥ 64 h (cells 2 and 3) are kept: 70, 100, 101.
        let v = fwd.at(&s, 101 * h)[0];
        let exact: f64 = [70.0, 100.0, 101.0]
            .iter()
            .map(|t: &f64| (-(101.0 - t)).exp2())
            .sum();
        assert!((v - exact).abs() < 1e-12, "{v} vs {exact}");
    }
}
