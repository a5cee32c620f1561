//! Touchpoints: one row struct for convenience, borrowed columns for bulk
//! work, and the packed rows of the bulk path; ratings and their scales
//! (NPS, CSAT, CES, and what a missing scale means).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::model::codes::{Code, code_enum};
use crate::model::{Channel, TouchpointKind};

/// Earliest accepted event time: 1970-01-01T00:00:00Z (Unix seconds).
///
/// # Examples
///
/// ```
/// assert_eq!(engagement_core::MIN_TIME, 0);
/// ```
pub const MIN_TIME: i64 = 0;
/// Latest accepted event time: 3000-01-01T00:00:00Z (Unix seconds).
///
/// # Examples
///
/// ```
/// assert_eq!(engagement_core::MAX_TIME, 32_503_680_000); // 3000-01-01T00:00:00Z
/// ```
pub const MAX_TIME: i64 = 32_503_680_000;
/// Largest accepted monetary value of one touchpoint (in currency units).
///
/// Money is accumulated exactly in integer micro-units (10⁻⁶), see
/// [`Profile`](crate::Profile); this bound keeps every single amount exact.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, Touchpoint, TouchpointKind, MAX_MONEY};
/// let tp = Touchpoint::new(1, 0, Channel::Web, TouchpointKind::Purchase).with_value(MAX_MONEY * 2.0);
/// assert!(tp.validate().is_err());
/// ```
pub const MAX_MONEY: f64 = 1e12;

code_enum! {
    /// The scale a rating was given on.
    ///
    /// Ratings are whole numbers within the scale's bounds; "higher is better" on
    /// every scale (for CES the 7-point agreement form "the company made it easy").
    ///
    /// | scale | code | range | used for |
    /// |---|---|---|---|
    /// | `nps`  | 0 | 0–10 | Net Promoter Score ("how likely to recommend") |
    /// | `csat` | 1 | 1–5  | Customer satisfaction |
    /// | `ces`  | 2 | 1–7  | Customer effort score |
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::RatingScale;
    /// assert_eq!(RatingScale::Nps.bounds(), (0.0, 10.0));
    /// assert!(RatingScale::Csat.check(4.0).is_ok());
    /// assert!(RatingScale::Csat.check(0.0).is_err());
    /// assert_eq!(RatingScale::Ces.normalized(4.0), 0.0);
    /// ```
    RatingScale, "rating_scale" {
        /// 0–10, Net Promoter Score question.
        Nps = 0 => "nps",
        /// 1–5, customer satisfaction.
        Csat = 1 => "csat",
        /// 1–7, customer effort (higher = easier).
        Ces = 2 => "ces",
    }
}

impl RatingScale {
    /// The scale code of a row that has no scale: accepted on a row without a
    /// rating (its scale is never read), refused on a row with one. Columns
    /// that can hold a missing value (Python's `None`, a null in Arrow) map it
    /// here, so that a rating is never read on a guessed scale.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{RatingScale, TouchpointColumns};
    /// let cols = |rating: &'static [f32]| TouchpointColumns { customer: &[1], time: &[0], channel: &[0], kind: &[11],
    ///     rating, rating_scale: &[RatingScale::MISSING], ..Default::default() };
    /// assert!(cols(&[f32::NAN]).validate().is_ok());
    /// assert!(cols(&[9.0]).validate().unwrap_err().to_string().contains("rating_scale"));
    /// ```
    pub const MISSING: u8 = u8::MAX;

    /// The codes of a column of scale labels (`nps`, `csat`, `ces`, read as
    /// [`Code::from_label`]), where `None` is a missing scale
    /// ([`MISSING`](Self::MISSING)).
    ///
    /// # Errors
    /// [`EngError::UnknownLabel`] for another label.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::RatingScale;
    /// assert_eq!(RatingScale::codes_of_labels(&[Some("CSAT"), None])?, [1, RatingScale::MISSING]);
    /// assert!(RatingScale::codes_of_labels(&[Some("stars")]).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn codes_of_labels<S: AsRef<str>>(labels: &[Option<S>]) -> Result<Vec<u8>> {
        labels
            .iter()
            .map(|label| match label {
                None => Ok(Self::MISSING),
                Some(l) => Self::from_label(l.as_ref()).map(|s| s.code()),
            })
            .collect()
    }

    /// The scale of a row with a rating, from its code.
    fn of_rated_row(code: u8) -> Result<Self> {
        if code == Self::MISSING {
            return Err(EngError::invalid(
                "rating_scale",
                "missing",
                "a row with a rating needs its scale (0 = nps, 1 = csat, 2 = ces)",
            ));
        }
        Self::from_code(code)
    }

    /// Inclusive bounds `(min, max)` of the scale.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::RatingScale;
    /// assert_eq!(RatingScale::Ces.bounds(), (1.0, 7.0));
    /// ```
    pub fn bounds(self) -> (f32, f32) {
        match self {
            RatingScale::Nps => (0.0, 10.0),
            RatingScale::Csat => (1.0, 5.0),
            RatingScale::Ces => (1.0, 7.0),
        }
    }

    /// Checks that `value` is a whole number within the scale.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] naming the field `rating`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::RatingScale;
    /// assert!(RatingScale::Nps.check(10.0).is_ok());
    /// assert!(RatingScale::Nps.check(7.5).is_err()); // not a whole number
    /// ```
    pub fn check(self, value: f32) -> Result<()> {
        let (lo, hi) = self.bounds();
        if !value.is_finite() || value < lo || value > hi || value.fract() != 0.0 {
            return Err(EngError::invalid(
                "rating",
                value,
                format!("must be a whole number in {lo}..={hi} on the {self:?} scale"),
            ));
        }
        Ok(())
    }

    /// Maps a rating linearly onto −1 (worst) … +1 (best).
    ///
    /// ```text
    /// normalized = 2 (value − min) / (max − min) − 1
    /// ```
    pub fn normalized(self, value: f32) -> f64 {
        let (lo, hi) = self.bounds();
        2.0 * f64::from(value - lo) / f64::from(hi - lo) - 1.0
    }
}

/// A rating given by a customer, with its scale.
///
/// # Examples
///
/// ```
/// use engagement_core::{Rating, RatingScale};
/// let r: Rating = serde_json::from_str(r#"{"value": 4, "scale": "csat"}"#)?;
/// assert_eq!(r, Rating { value: 4.0, scale: RatingScale::Csat });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rating {
    /// The answer, a whole number within the scale.
    pub value: f32,
    /// The scale it was given on.
    pub scale: RatingScale,
}

/// One interaction between a customer and the business.
///
/// Times are **Unix seconds** (UTC) in [`MIN_TIME`]..=[`MAX_TIME`]. `value` is a
/// non-negative amount of money (for a refund: the amount refunded, positive).
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, Rating, RatingScale, Touchpoint, TouchpointKind};
///
/// let order = Touchpoint::new(42, 1_700_000_000, Channel::Web, TouchpointKind::Purchase)
///     .with_value(59.90);
/// order.validate()?;
/// let survey = Touchpoint::new(42, 1_700_086_400, Channel::Email, TouchpointKind::SurveyResponse)
///     .with_rating(9.0, RatingScale::Nps);
/// survey.validate()?;
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Touchpoint {
    /// The customer's id.
    pub customer: u64,
    /// When it happened, Unix seconds.
    pub time: i64,
    /// Where it happened.
    pub channel: Channel,
    /// What it was.
    pub kind: TouchpointKind,
    /// Money involved (purchase amount, refund amount), ≥ 0. Default 0.
    #[serde(default)]
    pub value: f64,
    /// A rating given with this touchpoint, if any.
    #[serde(default)]
    pub rating: Option<Rating>,
    /// The campaign this touchpoint belongs to, if any.
    #[serde(default)]
    pub campaign: Option<u64>,
}

impl Touchpoint {
    /// A touchpoint with no money, rating or campaign.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Touchpoint, TouchpointKind};
    /// let tp = Touchpoint::new(3, 60, Channel::Push, TouchpointKind::Open);
    /// assert_eq!((tp.value, tp.rating, tp.campaign), (0.0, None, None));
    /// ```
    pub fn new(customer: u64, time: i64, channel: Channel, kind: TouchpointKind) -> Self {
        Touchpoint {
            customer,
            time,
            channel,
            kind,
            value: 0.0,
            rating: None,
            campaign: None,
        }
    }

    /// Sets the monetary value.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Touchpoint, TouchpointKind};
    /// assert_eq!(Touchpoint::new(3, 60, Channel::Web, TouchpointKind::Purchase).with_value(9.99).value, 9.99);
    /// ```
    #[must_use]
    pub fn with_value(mut self, value: f64) -> Self {
        self.value = value;
        self
    }

    /// Sets a rating.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, RatingScale, Touchpoint, TouchpointKind};
    /// let tp = Touchpoint::new(3, 60, Channel::Email, TouchpointKind::SurveyResponse).with_rating(8.0, RatingScale::Nps);
    /// assert_eq!(tp.rating.map(|r| r.value), Some(8.0));
    /// ```
    #[must_use]
    pub fn with_rating(mut self, value: f32, scale: RatingScale) -> Self {
        self.rating = Some(Rating { value, scale });
        self
    }

    /// Sets the campaign id.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Touchpoint, TouchpointKind};
    /// assert_eq!(Touchpoint::new(3, 60, Channel::Email, TouchpointKind::Click).with_campaign(42).campaign, Some(42));
    /// ```
    #[must_use]
    pub fn with_campaign(mut self, campaign: u64) -> Self {
        self.campaign = Some(campaign);
        self
    }

    /// Checks every field.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] naming `time`, `value` or `rating`: a time
    /// outside [`MIN_TIME`]..=[`MAX_TIME`], a NaN, infinite, negative or
    /// absurd (> [`MAX_MONEY`]) value, a rating that is not a whole number on
    /// its scale.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Touchpoint, TouchpointKind};
    /// let tp = Touchpoint::new(3, -60, Channel::Web, TouchpointKind::Visit);
    /// assert!(tp.validate().unwrap_err().to_string().contains("time"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_time("time", self.time)?;
        check_money("value", self.value)?;
        if let Some(r) = self.rating {
            r.scale.check(r.value)?;
        }
        Ok(())
    }
}

pub(crate) fn check_time(field: &str, t: i64) -> Result<()> {
    if !(MIN_TIME..=MAX_TIME).contains(&t) {
        return Err(EngError::invalid(
            field,
            t,
            "Unix seconds must lie between 1970-01-01 (0) and 3000-01-01 (32503680000)",
        ));
    }
    Ok(())
}

pub(crate) fn check_money(field: &str, v: f64) -> Result<()> {
    if v.is_nan() {
        return Err(EngError::invalid(field, v, "money must not be NaN"));
    }
    if !v.is_finite() {
        return Err(EngError::invalid(field, v, "money must be finite"));
    }
    if v < 0.0 {
        return Err(EngError::invalid(
            field,
            v,
            "money must not be negative (record a refund as kind `refund` with a positive value)",
        ));
    }
    if v > MAX_MONEY {
        return Err(EngError::invalid(
            field,
            v,
            "money above 1e12 per touchpoint is not accepted",
        ));
    }
    Ok(())
}

/// Touchpoints as borrowed, equal-length columns: the bulk input of the engine.
///
/// A numpy array, an Arrow buffer or a C array becomes a column without a
/// copy. `customer`, `time`, `channel` and `kind` are required; the optional
/// columns may be empty slices, meaning "absent for every row":
///
/// | column | type | empty means | notes |
/// |---|---|---|---|
/// | `customer` | `u64` | — | customer id |
/// | `time` | `i64` | — | Unix seconds |
/// | `channel` | `u8` | — | [`Channel`] code |
/// | `kind` | `u8` | — | [`TouchpointKind`] code |
/// | `value` | `f64` | all 0 | money, ≥ 0 |
/// | `rating` | `f32` | no ratings | **NaN = no rating on this row** |
/// | `rating_scale` | `u8` | none (only if no row has a rating) | [`RatingScale`] code; [`RatingScale::MISSING`] allowed on rows without a rating |
///
/// Rows need not be sorted; results never depend on row order.
///
/// # Equal times
///
/// Where order matters (sequences and paths, funnels, attribution paths,
/// triggers), touchpoints of one customer in the same second are ordered by
/// their content, never by their row: by kind code, then channel code, then
/// value (absent = 0, in the total order of `f64`), then rating (none first,
/// then in the total order of `f32`), then rating scale code, then campaign id
/// where the analysis reads a campaign column, then event label (its text,
/// never its code; see [`EventDictionary`](crate::EventDictionary)) where it
/// reads events. Rows equal in all of these
/// are interchangeable, so any order of them gives the same result. The
/// trigger engine orders a push by time, then customer, then this rule. The
/// other analyses (profiles, stage history, cohorts, transaction summaries)
/// fold a whole second at once, so ties cannot change them.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, Code, TouchpointColumns, TouchpointKind};
///
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 2],
///     time: &[100, 200, 150],
///     channel: &[0, 1, 6], // codes as a CRM export holds them: email, web, store
///     kind: TouchpointKind::codes(&[TouchpointKind::Open, TouchpointKind::Purchase, TouchpointKind::Purchase]),
///     value: &[0.0, 25.0, 10.0],
///     ..Default::default()
/// };
/// assert_eq!(cols.validate()?, 3);
/// assert_eq!(Channel::from_codes(cols.channel)?, [Channel::Email, Channel::Web, Channel::Store]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TouchpointColumns<'a> {
    /// Customer id per row.
    pub customer: &'a [u64],
    /// Event time per row, Unix seconds.
    pub time: &'a [i64],
    /// [`Channel`] code per row: a column of codes as read, or typed values
    /// viewed as codes without a copy by [`Channel::codes`].
    pub channel: &'a [u8],
    /// [`TouchpointKind`] code per row (or typed values, through
    /// [`TouchpointKind::codes`]).
    pub kind: &'a [u8],
    /// Money per row (may be empty).
    pub value: &'a [f64],
    /// Rating per row, NaN for none (may be empty).
    pub rating: &'a [f32],
    /// [`RatingScale`] code per row (empty exactly when `rating` is empty).
    pub rating_scale: &'a [u8],
}

/// An event log's touchpoints: an empty `channel` (a product's event log
/// has none) makes every touchpoint channel `other`, an empty `kind` kind
/// `other` (written into `fill`); otherwise the columns as they are. Path
/// analyses, funnels, attribution and triggers read touchpoints through it.
pub(crate) fn event_log<'a>(
    cols: &TouchpointColumns<'a>,
    fill: &'a mut (Vec<u8>, Vec<u8>),
) -> TouchpointColumns<'a> {
    let n = cols.customer.len();
    let (no_channel, no_kind) = (cols.channel.is_empty(), cols.kind.is_empty());
    if !(no_channel || no_kind) || n == 0 {
        return *cols;
    }
    *fill = (
        if no_channel {
            vec![Channel::Other as u8; n]
        } else {
            Vec::new()
        },
        if no_kind {
            vec![TouchpointKind::Other as u8; n]
        } else {
            Vec::new()
        },
    );
    TouchpointColumns {
        channel: if no_channel { &fill.0 } else { cols.channel },
        kind: if no_kind { &fill.1 } else { cols.kind },
        ..*cols
    }
}

/// The columns beside [`TouchpointColumns`] that an analysis reads and
/// that order equal times after the touchpoint's own content: the campaign
/// id, then the event label (by its rank in label order, so that the codes'
/// order never shows). Either may be empty.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TieColumns<'a> {
    pub(crate) campaign: &'a [u64],
    /// Event code per row (empty: no events).
    pub(crate) event: &'a [u32],
    /// Rank of each event code's label ([`crate::EventDictionary::ranks`]).
    pub(crate) event_rank: &'a [u32],
}

impl TieColumns<'_> {
    fn event_rank(&self, row: usize) -> Option<u32> {
        let code = *self.event.get(row)?;
        self.event_rank.get(code as usize).copied()
    }
}

/// One touchpoint of a journey, as the journey analyses read it (see
/// [`TouchpointColumns::journey_records`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JourneyRecord {
    pub(crate) customer: u64,
    pub(crate) time: i64,
    /// Row in the input columns.
    pub(crate) row: u32,
    /// What the analysis asked to carry (a step mask, a label code …).
    pub(crate) payload: u32,
}

/// Splits records grouped by customer into runs of about 65 536 that never
/// split a customer, for processing in parallel. The runs depend on the data
/// only, not on the number of threads, so that results merged in run order
/// (floating-point sums included) are the same on every machine.
pub(crate) fn customer_runs(records: &[JourneyRecord]) -> Vec<&[JourneyRecord]> {
    customer_split(records, 1 << 16)
}

/// Splits records grouped by customer into runs of about `size` (at least
/// one record) that never split a customer.
pub(crate) fn customer_split(records: &[JourneyRecord], size: usize) -> Vec<&[JourneyRecord]> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(records.len() / size + 1);
    let mut rest = records;
    while !rest.is_empty() {
        let mut end = size.min(rest.len());
        while end < rest.len() && rest[end].customer == rest[end - 1].customer {
            end += 1;
        }
        let (run, tail) = rest.split_at(end);
        out.push(run);
        rest = tail;
    }
    out
}

impl<'a> TouchpointColumns<'a> {
    /// Number of rows (the length of `customer`).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// assert_eq!(TouchpointColumns { customer: &[1, 2], ..Default::default() }.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True when there are no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// assert!(TouchpointColumns::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// The order of rows `a` and `b` when they have the same customer and
    /// time: the rule of the "Equal times" section of [`TouchpointColumns`],
    /// with the columns the analysis reads beside these (campaign, event).
    pub(crate) fn tie_order(&self, extra: &TieColumns<'_>, a: usize, b: usize) -> Ordering {
        let value = |i: usize| self.value.get(i).copied().unwrap_or(0.0);
        let rating = |i: usize| self.rating.get(i).copied().filter(|r| !r.is_nan());
        // An event log's kind and channel may be left out (all `other`).
        self.kind
            .get(a)
            .cmp(&self.kind.get(b))
            .then(self.channel.get(a).cmp(&self.channel.get(b)))
            .then_with(|| value(a).total_cmp(&value(b)))
            .then_with(|| match (rating(a), rating(b)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            })
            .then_with(|| self.rating_scale.get(a).cmp(&self.rating_scale.get(b)))
            .then_with(|| extra.campaign.get(a).cmp(&extra.campaign.get(b)))
            .then_with(|| extra.event_rank(a).cmp(&extra.event_rank(b)))
    }

    /// Puts each run of `items` that `same` groups (rows of one customer and
    /// time, already adjacent) in the order of [`tie_order`](Self::tie_order);
    /// `row` is an item's row. Runs are short and rare, so this costs one pass.
    pub(crate) fn order_ties<T: Send>(
        &self,
        extra: &TieColumns<'_>,
        items: &mut [T],
        same: impl Fn(&T, &T) -> bool + Send + Sync,
        row: impl Fn(&T) -> usize + Sync,
    ) {
        use rayon::prelude::*;
        items.par_chunk_by_mut(same).for_each(|run| {
            if run.len() > 1 {
                run.sort_unstable_by(|x, y| self.tie_order(extra, row(x), row(y)));
            }
        });
    }

    /// The rows that `payload` maps to `Some`, as [`JourneyRecord`]s sorted
    /// by customer, then time, then content (the rule of [`tie_order`](Self::tie_order),
    /// with the campaign and event columns the analysis reads), with their payload: what
    /// the journey analyses read, in contiguous memory rather than by index.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for more than 2³² − 1 rows.
    pub(crate) fn journey_records(
        &self,
        extra: &TieColumns<'_>,
        payload: impl Fn(usize) -> Option<u32> + Sync,
    ) -> Result<Vec<JourneyRecord>> {
        use rayon::prelude::*;
        let n = self.customer.len();
        if n > u32::MAX as usize {
            return Err(EngError::invalid(
                "touchpoints",
                n,
                "journeys take at most 4 294 967 295 touchpoints per call",
            ));
        }
        // Two passes over blocks of rows, in parallel: what each block keeps
        // (its count, time range and largest customer id), then the kept rows
        // written into their place. Nothing is read for a row `payload` drops
        // but what `payload` reads.
        const BLOCK: usize = 1 << 16;
        let blocks = n.div_ceil(BLOCK);
        let range = |b: usize| b * BLOCK..((b + 1) * BLOCK).min(n);
        let stats: Vec<(usize, i64, i64, u64)> = (0..blocks)
            .into_par_iter()
            .map(|b| {
                let mut s = (0, i64::MAX, i64::MIN, 0);
                for i in range(b) {
                    if payload(i).is_some() {
                        let t = self.time[i];
                        s = (s.0 + 1, s.1.min(t), s.2.max(t), s.3.max(self.customer[i]));
                    }
                }
                s
            })
            .collect();
        let kept: usize = stats.iter().map(|s| s.0).sum();
        let t_min = stats.iter().map(|s| s.1).min().unwrap_or(0);
        let t_max = stats.iter().map(|s| s.2).max().unwrap_or(0);
        let c_max = stats.iter().map(|s| s.3).max().unwrap_or(0);
        // Each block's place in the output.
        fn places<'s, T>(
            mut out: &'s mut [T],
            stats: &[(usize, i64, i64, u64)],
        ) -> Vec<&'s mut [T]> {
            stats
                .iter()
                .map(|s| {
                    let (head, tail) = std::mem::take(&mut out).split_at_mut(s.0);
                    out = tail;
                    head
                })
                .collect()
        }
        if c_max <= u64::from(u32::MAX) && t_max.abs_diff(t_min) <= u64::from(u32::MAX) {
            // Customer ids and times fit in 32 bits each (the usual case): one
            // u64 key per row, sorted in parallel; then the ties by content.
            let mut keys = vec![(0u64, 0u32, 0u32); kept];
            places(&mut keys, &stats)
                .into_par_iter()
                .enumerate()
                .for_each(|(b, place)| {
                    let mut at = 0;
                    for i in range(b) {
                        if let Some(p) = payload(i) {
                            let t = self.time[i].abs_diff(t_min);
                            place[at] = ((self.customer[i] << 32) | t, i as u32, p);
                            at += 1;
                        }
                    }
                });
            keys.par_sort_unstable_by_key(|k| k.0);
            self.order_ties(extra, &mut keys, |x, y| x.0 == y.0, |k| k.1 as usize);
            return Ok(keys
                .into_par_iter()
                .map(|(key, row, payload)| JourneyRecord {
                    customer: key >> 32,
                    time: t_min + (key & 0xffff_ffff) as i64,
                    row,
                    payload,
                })
                .collect());
        }
        let blank = JourneyRecord {
            customer: 0,
            time: 0,
            row: 0,
            payload: 0,
        };
        let mut records = vec![blank; kept];
        places(&mut records, &stats)
            .into_par_iter()
            .enumerate()
            .for_each(|(b, place)| {
                let mut at = 0;
                for i in range(b) {
                    if let Some(payload) = payload(i) {
                        place[at] = JourneyRecord {
                            customer: self.customer[i],
                            time: self.time[i],
                            row: i as u32,
                            payload,
                        };
                        at += 1;
                    }
                }
            });
        records.par_sort_unstable_by_key(|r| (r.customer, r.time));
        self.order_ties(
            extra,
            &mut records,
            |x, y| (x.customer, x.time) == (y.customer, y.time),
            |r| r.row as usize,
        );
        Ok(records)
    }

    /// Checks lengths and every value; returns the number of rows.
    ///
    /// # Errors
    /// - [`EngError::LengthMismatch`] when a column's length differs from `customer`'s
    ///   (optional columns may also be empty);
    /// - [`EngError::InvalidInput`] with the row index for the first bad value
    ///   (see [`Touchpoint::validate`]) or an unknown code.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{EngError, TouchpointColumns};
    /// let cols = TouchpointColumns { customer: &[1, 2], time: &[5, 6], channel: &[1, 1], kind: &[4, 4],
    ///     value: &[1.0, f64::INFINITY], ..Default::default() };
    /// assert!(matches!(cols.validate(), Err(EngError::InvalidInput { index: Some(1), .. })));
    /// ```
    pub fn validate(&self) -> Result<usize> {
        self.check(false)
    }

    /// As [`validate`](Self::validate) for an event log, whose `channel` and
    /// `kind` may each be left out (empty: every touchpoint `other`, as
    /// [`event_log`] reads them).
    pub(crate) fn validate_log(&self) -> Result<usize> {
        self.check(true)
    }

    fn check(&self, log: bool) -> Result<usize> {
        let n = self.customer.len();
        crate::limits::check_rows("touchpoints", n)?;
        let same = |field: &str, len: usize, optional: bool| -> Result<()> {
            if len == n || (optional && len == 0) {
                Ok(())
            } else {
                Err(EngError::LengthMismatch {
                    field: field.into(),
                    expected: n,
                    found: len,
                })
            }
        };
        same("time", self.time.len(), false)?;
        same("channel", self.channel.len(), log)?;
        same("kind", self.kind.len(), log)?;
        same("value", self.value.len(), true)?;
        same("rating", self.rating.len(), true)?;
        same(
            "rating_scale",
            self.rating_scale.len(),
            !self.rating.is_empty() || self.rating_scale.is_empty(),
        )?;
        if self.rating_scale.is_empty() {
            // One rule in every face: a rating is never read on a guessed scale.
            if let Some(i) = self.rating.iter().position(|r| !r.is_nan()) {
                return Err(EngError::invalid(
                    "rating_scale",
                    "absent",
                    "a rating needs its scale: give a rating_scale column (nps, csat, ces: codes 0, 1, 2; \
                     missing only on rows without a rating)",
                )
                .at_row(i));
            }
        } else if self.rating_scale.len() != self.rating.len() {
            return Err(EngError::LengthMismatch {
                field: "rating_scale".into(),
                expected: self.rating.len(),
                found: self.rating_scale.len(),
            });
        }
        if !self.all_values_valid() {
            // Slow path, only on bad input: find the first bad row and say why.
            let mut fill = Default::default();
            let cols = if log {
                event_log(self, &mut fill)
            } else {
                *self
            };
            for i in 0..n {
                cols.row(i).map_err(|e| e.at_row(i))?;
            }
        }
        Ok(n)
    }

    /// Column-wise check of every value (vectorizable), blocks of rows in
    /// parallel; false if any row is bad.
    fn all_values_valid(&self) -> bool {
        use rayon::prelude::*;
        const BLOCK: usize = 1 << 16;
        let n = self.customer.len();
        if n <= BLOCK {
            return self.block_valid();
        }
        // Optional columns (and an event log's channel and kind) are empty or
        // whole (validate checked their lengths).
        fn part<T>(v: &[T], r: std::ops::Range<usize>) -> &[T] {
            if v.is_empty() { v } else { &v[r] }
        }
        (0..n.div_ceil(BLOCK)).into_par_iter().all(|b| {
            let r = b * BLOCK..((b + 1) * BLOCK).min(n);
            TouchpointColumns {
                customer: &self.customer[r.clone()],
                time: &self.time[r.clone()],
                channel: part(self.channel, r.clone()),
                kind: part(self.kind, r.clone()),
                value: part(self.value, r.clone()),
                rating: part(self.rating, r.clone()),
                rating_scale: part(self.rating_scale, r),
            }
            .block_valid()
        })
    }

    /// [`all_values_valid`](Self::all_values_valid) of one block.
    fn block_valid(&self) -> bool {
        let times = self.time.iter().all(|t| (MIN_TIME..=MAX_TIME).contains(t));
        let channels = self
            .channel
            .iter()
            .all(|&c| usize::from(c) < Channel::COUNT);
        let kinds = self
            .kind
            .iter()
            .all(|&k| usize::from(k) < TouchpointKind::COUNT);
        // NaN fails both comparisons.
        let values = self.value.iter().all(|v| (0.0..=MAX_MONEY).contains(v));
        let ratings = self.rating.iter().zip(self.rating_scale).all(|(&r, &s)| {
            r.is_nan() || RatingScale::from_code(s).is_ok_and(|scale| scale.check(r).is_ok())
        });
        let scales = self
            .rating_scale
            .iter()
            .all(|&s| usize::from(s) < RatingScale::COUNT || s == RatingScale::MISSING);
        times && channels && kinds && values && ratings && scales
    }

    /// Decodes row `i` of columns that passed [`validate`](Self::validate).
    ///
    /// Codes are decoded with fallbacks that validation makes unreachable
    /// (an out-of-range code would read as `Other`), so this never panics for
    /// `i < len()`.
    #[inline]
    pub(crate) fn row_unchecked(&self, i: usize) -> Touchpoint {
        self.packed(i).touchpoint()
    }

    #[inline]
    pub(crate) fn packed(&self, i: usize) -> PackedRow {
        PackedRow::new(
            self.customer[i],
            self.time[i],
            self.channel[i],
            self.kind[i],
            self.value.get(i).copied().unwrap_or(0.0),
            self.rating.get(i).copied().unwrap_or(f32::NAN),
            self.rating_scale.get(i).copied().unwrap_or(0),
        )
    }

    /// Decodes row `i` into a [`Touchpoint`], checking its values.
    ///
    /// # Errors
    /// As [`validate`](Self::validate), for this row only (without the row index).
    ///
    /// # Panics
    /// Never for `i < len()` on columns that passed the length checks; an
    /// index out of range is reported as [`EngError::InvalidInput`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, TouchpointColumns, TouchpointKind};
    /// let cols = TouchpointColumns { customer: &[4], time: &[9], channel: &[5], kind: &[9], ..Default::default() };
    /// let tp = cols.row(0)?;
    /// assert_eq!((tp.channel, tp.kind), (Channel::Chat, TouchpointKind::SupportContact));
    /// assert!(cols.row(1).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn row(&self, i: usize) -> Result<Touchpoint> {
        let get = |field: &str| {
            EngError::invalid("row", i, format!("index out of range of column {field}"))
        };
        let customer = *self.customer.get(i).ok_or_else(|| get("customer"))?;
        let time = *self.time.get(i).ok_or_else(|| get("time"))?;
        let channel = Channel::from_code(*self.channel.get(i).ok_or_else(|| get("channel"))?)?;
        let kind = TouchpointKind::from_code(*self.kind.get(i).ok_or_else(|| get("kind"))?)?;
        let value = if self.value.is_empty() {
            0.0
        } else {
            *self.value.get(i).ok_or_else(|| get("value"))?
        };
        let rating = match self.rating.get(i) {
            Some(r) if !r.is_nan() => {
                let scale = RatingScale::of_rated_row(
                    *self
                        .rating_scale
                        .get(i)
                        .ok_or_else(|| get("rating_scale"))?,
                )?;
                Some(Rating { value: *r, scale })
            }
            _ => {
                // No rating: the scale may be missing, but a code must be a code.
                match self.rating_scale.get(i) {
                    Some(&s) if s != RatingScale::MISSING => RatingScale::from_code(s).map(drop)?,
                    _ => {}
                }
                None
            }
        };
        let tp = Touchpoint {
            customer,
            time,
            channel,
            kind,
            value,
            rating,
            campaign: None,
        };
        tp.validate()?;
        Ok(tp)
    }
}

/// Owned touchpoint columns, for building inputs (the generator, file readers).
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, Touchpoint, TouchpointKind, TouchpointTable};
/// let mut t = TouchpointTable::default();
/// t.push(&Touchpoint::new(1, 0, Channel::Web, TouchpointKind::Visit));
/// assert_eq!(t.columns().validate()?, 1);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TouchpointTable {
    /// Customer id per row.
    pub customer: Vec<u64>,
    /// Event time per row, Unix seconds.
    pub time: Vec<i64>,
    /// [`Channel`] code per row.
    pub channel: Vec<u8>,
    /// [`TouchpointKind`] code per row.
    pub kind: Vec<u8>,
    /// Money per row (may be empty).
    pub value: Vec<f64>,
    /// Rating per row, NaN (JSON `null`) for none (may be empty).
    #[serde(with = "nan_as_null")]
    pub rating: Vec<f32>,
    /// [`RatingScale`] code per row.
    pub rating_scale: Vec<u8>,
}

impl TouchpointTable {
    /// Borrows the table as columns.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointTable;
    /// assert!(TouchpointTable::default().columns().is_empty());
    /// ```
    pub fn columns(&self) -> TouchpointColumns<'_> {
        TouchpointColumns {
            customer: &self.customer,
            time: &self.time,
            channel: &self.channel,
            kind: &self.kind,
            value: &self.value,
            rating: &self.rating,
            rating_scale: &self.rating_scale,
        }
    }

    /// Appends one touchpoint (all optional columns are filled).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Touchpoint, TouchpointKind, TouchpointTable};
    /// let mut t = TouchpointTable::default();
    /// t.push(&Touchpoint::new(1, 0, Channel::Web, TouchpointKind::Visit));
    /// assert!(t.rating[0].is_nan()); // no rating
    /// ```
    pub fn push(&mut self, tp: &Touchpoint) {
        self.customer.push(tp.customer);
        self.time.push(tp.time);
        self.channel.push(tp.channel.code());
        self.kind.push(tp.kind.code());
        self.value.push(tp.value);
        match tp.rating {
            Some(r) => {
                self.rating.push(r.value);
                self.rating_scale.push(r.scale as u8);
            }
            None => {
                self.rating.push(f32::NAN);
                self.rating_scale.push(0);
            }
        }
    }

    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointTable;
    /// assert_eq!(TouchpointTable::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True when there are no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointTable;
    /// assert!(TouchpointTable::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }
}

mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| if x.is_nan() { None } else { Some(*x) }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let v: Vec<Option<f32>> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|x| x.unwrap_or(f32::NAN)).collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_are_ordered_by_content_in_every_row_order() {
        // One customer, one second; then another second. Expected order of the
        // first second: kind, channel, value, rating (none first), scale, campaign.
        // (kind, channel, value, rating, scale, campaign)
        let rows: [(u8, u8, f64, f32, u8, u64); 8] = [
            (2, 0, 0.0, f32::NAN, RatingScale::MISSING, 0),
            (2, 1, 0.0, f32::NAN, RatingScale::MISSING, 0),
            (2, 1, 5.0, f32::NAN, RatingScale::MISSING, 0),
            (11, 1, 0.0, f32::NAN, RatingScale::MISSING, 0),
            (11, 1, 0.0, 3.0, 1, 0),
            (11, 1, 0.0, 3.0, 2, 0),
            (11, 1, 0.0, 9.0, 0, 0),
            (11, 1, 0.0, 9.0, 0, 4),
        ];
        // Every rotation, reversed or not, of the rows, plus a later row first;
        // with a small id (the packed 64-bit key) and a large one (the general sort).
        for (id, reverse) in [(1, false), (1, true), (1 << 40, false), (1 << 40, true)] {
            for shift in 0..rows.len() {
                let mut order: Vec<usize> = (0..rows.len()).collect();
                order.rotate_left(shift);
                if reverse {
                    order.reverse();
                }
                let mut t = TouchpointTable::default();
                let mut campaign = vec![9];
                t.push(&Touchpoint::new(
                    id,
                    101,
                    Channel::Email,
                    TouchpointKind::Impression,
                ));
                for &i in &order {
                    let (k, c, v, r, sc, camp) = rows[i];
                    t.customer.push(id);
                    t.time.push(100);
                    t.kind.push(k);
                    t.channel.push(c);
                    t.value.push(v);
                    t.rating.push(r);
                    t.rating_scale.push(sc);
                    campaign.push(camp);
                }
                let cols = t.columns();
                cols.validate().unwrap();
                let got: Vec<usize> = cols
                    .journey_records(
                        &TieColumns {
                            campaign: &campaign,
                            ..TieColumns::default()
                        },
                        |i| Some(i as u32),
                    )
                    .unwrap()
                    .iter()
                    .map(|r| {
                        if r.row == 0 {
                            usize::MAX
                        } else {
                            order[r.row as usize - 1]
                        }
                    })
                    .collect();
                let mut want: Vec<usize> = (0..rows.len()).collect();
                want.push(usize::MAX);
                assert_eq!(got, want, "order {order:?}");
            }
        }
    }

    fn tp() -> Touchpoint {
        Touchpoint::new(1, 1000, Channel::Web, TouchpointKind::Purchase).with_value(5.0)
    }

    #[test]
    fn validate_accepts_good_rows() {
        tp().validate().unwrap();
        tp().with_rating(10.0, RatingScale::Nps).validate().unwrap();
    }

    #[test]
    fn validate_rejects_bad_values() {
        for v in [f64::NAN, f64::INFINITY, -0.01, 2e12] {
            let e = tp().with_value(v).validate().unwrap_err();
            assert!(
                matches!(e, EngError::InvalidInput { ref field, .. } if field == "value"),
                "{v}: {e}"
            );
        }
        for t in [-1, MAX_TIME + 1] {
            let mut x = tp();
            x.time = t;
            assert!(
                matches!(x.validate(), Err(EngError::InvalidInput { ref field, .. }) if field == "time")
            );
        }
        for (r, s) in [
            (11.0, RatingScale::Nps),
            (0.0, RatingScale::Csat),
            (8.0, RatingScale::Ces),
            (4.5, RatingScale::Csat),
            (f32::NAN, RatingScale::Nps),
        ] {
            let e = tp().with_rating(r, s).validate().unwrap_err();
            assert!(
                matches!(e, EngError::InvalidInput { ref field, .. } if field == "rating"),
                "{r}: {e}"
            );
        }
    }

    #[test]
    fn columns_report_row_and_lengths() {
        let cols = TouchpointColumns {
            customer: &[1, 2],
            time: &[1, 2],
            channel: &[0, 99],
            kind: &[0, 0],
            ..Default::default()
        };
        let e = cols.validate().unwrap_err();
        assert!(
            matches!(e, EngError::InvalidInput { index: Some(1), ref field, .. } if field == "channel"),
            "{e}"
        );
        let cols = TouchpointColumns {
            customer: &[1, 2],
            time: &[1],
            channel: &[0, 0],
            kind: &[0, 0],
            ..Default::default()
        };
        assert_eq!(
            cols.validate().unwrap_err(),
            EngError::LengthMismatch {
                field: "time".into(),
                expected: 2,
                found: 1
            }
        );
        let cols = TouchpointColumns {
            customer: &[1],
            time: &[1],
            channel: &[0],
            kind: &[11],
            rating: &[9.0],
            rating_scale: &[],
            ..Default::default()
        };
        // A rating is never read on a guessed scale (the same rule in every face).
        assert!(matches!(
            cols.validate(),
            Err(EngError::InvalidInput { ref field, .. }) if field == "rating_scale"
        ));
    }

    #[test]
    fn scales_are_needed_exactly_where_there_are_ratings() {
        let cols = |rating: &'static [f32], rating_scale: &'static [u8]| TouchpointColumns {
            customer: &[1, 1],
            time: &[0, 1],
            channel: &[0, 0],
            kind: &[11, 11],
            rating,
            rating_scale,
            ..Default::default()
        };
        let field = |r: Result<usize>| match r {
            Err(EngError::InvalidInput { field, index, .. }) => (field, index),
            other => panic!("{other:?}"),
        };
        // A rating column with no rating needs no scales; one rating does (its row named).
        assert_eq!(cols(&[f32::NAN, f32::NAN], &[]).validate().unwrap(), 2);
        assert_eq!(
            field(cols(&[f32::NAN, 9.0], &[]).validate()),
            ("rating_scale".to_string(), Some(1))
        );
        // Missing scales only where there is no rating; a code must be a code on every row.
        const MISSING: u8 = RatingScale::MISSING;
        assert!(cols(&[f32::NAN, 9.0], &[MISSING, 0]).validate().is_ok());
        assert_eq!(
            field(cols(&[9.0, f32::NAN], &[MISSING, 0]).validate()),
            ("rating_scale".to_string(), Some(0))
        );
        assert_eq!(
            field(cols(&[f32::NAN, 9.0], &[7, 0]).validate()),
            ("rating_scale".to_string(), Some(0))
        );
    }

    #[test]
    fn nan_rating_means_none_and_table_round_trips() {
        let mut t = TouchpointTable::default();
        t.push(&tp());
        t.push(&tp().with_rating(3.0, RatingScale::Csat));
        assert_eq!(t.columns().validate().unwrap(), 2);
        assert_eq!(t.columns().row(0).unwrap().rating, None);
        assert_eq!(
            t.columns().row(1).unwrap().rating,
            Some(Rating {
                value: 3.0,
                scale: RatingScale::Csat
            })
        );
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains("null"));
        let back: TouchpointTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back.columns().row(1).unwrap(), t.columns().row(1).unwrap());
    }

    #[test]
    fn packed_rows_round_trip_every_code() {
        for time in [MIN_TIME, 1, 1_700_000_000, MAX_TIME] {
            for channel in Channel::ALL {
                for kind in TouchpointKind::ALL {
                    let mut ratings = vec![None];
                    for scale in RatingScale::ALL {
                        let (lo, hi) = scale.bounds();
                        ratings.extend((lo as u8..=hi as u8).map(|v| {
                            Some(Rating {
                                value: f32::from(v),
                                scale: *scale,
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
}
