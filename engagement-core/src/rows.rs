//! Row views of the column results: `iter()` over named rows and `get()` by
//! customer id, next to the columns themselves (which stay the fast path
//! and the form the C and Python faces read).
//!
//! Every result the library returns lists customers in ascending id, so a
//! lookup is a binary search; a column built by hand in another order is
//! still looked up correctly (by a scan, when the search misses).

use crate::journey::StageColumns;
use crate::model::JourneyStage;
use crate::score::{RfmScores, RfmValues, ScoreColumns};
use crate::segment::{ActionColumns, LoyaltyAccounts, SegmentMembership};
use crate::transactions::TransactionSummary;

/// The row of `id` in a customer column: a binary search, then a scan when
/// the search misses (for columns that are not in ascending order).
fn position(customer: &[u64], id: u64) -> Option<usize> {
    let i = customer.partition_point(|&c| c < id);
    if customer.get(i) == Some(&id) {
        return Some(i);
    }
    customer.iter().position(|&c| c == id)
}

/// The name at an index, if both are there.
fn name<I: Into<usize>>(names: &[String], index: Option<I>) -> Option<&str> {
    names.get(index?.into()).map(String::as_str)
}

/// Row views of a column struct whose row fields are all `Copy` values.
macro_rules! copy_rows {
    (
        $(#[$meta:meta])*
        $cols:ident => $row:ident { $( $(#[$fmeta:meta])* $field:ident: $ty:ty ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $row {
            /// The customer id.
            pub customer: u64,
            $( $(#[$fmeta])* pub $field: $ty, )+
        }

        impl $cols {
            /// The rows, in the columns' order (as many as the shortest
            /// column has).
            pub fn iter(&self) -> impl ExactSizeIterator<Item = $row> + '_ {
                let n = [self.customer.len() $(, self.$field.len())+].into_iter().min().unwrap_or(0);
                (0..n).map(move |i| $row { customer: self.customer[i] $(, $field: self.$field[i])+ })
            }

            /// The row of customer `id`, if it has one.
            pub fn get(&self, id: u64) -> Option<$row> {
                let i = position(&self.customer, id)?;
                Some($row { customer: id $(, $field: *self.$field.get(i)?)+ })
            }
        }
    };
}

copy_rows! {
    /// One customer's engagement score ([`ScoreColumns::iter`], [`ScoreColumns::get`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::ScoreColumns;
    /// let s = ScoreColumns { customer: vec![3, 7], total: vec![40.0, 75.5], emotional: vec![1.0, 2.0],
    ///     contextual: vec![3.0, 4.0], convenient: vec![5.0, 6.0], social: vec![7.0, 8.0] };
    /// assert_eq!(s.get(7).map(|r| r.total), Some(75.5));
    /// assert!(s.get(5).is_none());
    /// let best = s.iter().max_by(|a, b| a.total.total_cmp(&b.total)).unwrap();
    /// assert_eq!(best.customer, 7);
    /// ```
    ScoreColumns => ScoreRow {
        /// Total score.
        total: f64,
        /// Emotional sub-score.
        emotional: f64,
        /// Contextual sub-score.
        contextual: f64,
        /// Convenient sub-score.
        convenient: f64,
        /// Social sub-score.
        social: f64,
    }
}

copy_rows! {
    /// One customer's journey stage ([`StageColumns::iter`], [`StageColumns::get`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, StageColumns};
    /// let s = StageColumns { customer: vec![9, 2], stage: vec![JourneyStage::Loyal, JourneyStage::AtRisk] };
    /// assert_eq!(s.get(2).map(|r| r.stage), Some(JourneyStage::AtRisk)); // not in id order: still found
    /// assert_eq!(s.iter().filter(|r| r.stage == JourneyStage::Loyal).count(), 1);
    /// ```
    StageColumns => StageRow {
        /// The stage.
        stage: JourneyStage,
    }
}

copy_rows! {
    /// One customer's recency, frequency and monetary values ([`RfmValues::iter`], [`RfmValues::get`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::RfmValues;
    /// let v = RfmValues { customer: vec![1, 2], recency: vec![1.0, 90.0], frequency: vec![6.0, 1.0], monetary: vec![300.0, 10.0] };
    /// assert_eq!(v.get(2).map(|r| r.recency), Some(90.0));
    /// ```
    RfmValues => RfmValueRow {
        /// Recency.
        recency: f64,
        /// Frequency.
        frequency: f64,
        /// Monetary value.
        monetary: f64,
    }
}

copy_rows! {
    /// One customer's lifetime-value summary ([`TransactionSummary::iter`],
    /// [`TransactionSummary::get`]), in the summary's `unit`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::transactions::{summarize, SummaryConfig, TransactionColumns};
    /// let day = 86_400;
    /// let tx = TransactionColumns { customer: &[1, 1, 2], time: &[0, 10 * day, 5 * day], value: &[5.0, 7.0, 3.0] };
    /// let s = summarize(&tx, 20 * day, &SummaryConfig::default())?;
    /// let one = s.get(1).unwrap();
    /// assert_eq!((one.frequency, one.recency, one.t, one.monetary_value), (1.0, 10.0, 20.0, 7.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    TransactionSummary => TransactionRow {
        /// Repeat purchase periods.
        frequency: f64,
        /// First to last purchase period.
        recency: f64,
        /// First purchase period to the observation end.
        t: f64,
        /// Mean value of the repeat purchase periods.
        monetary_value: f64,
    }
}

/// One customer's recommended action ([`ActionColumns::iter`], [`ActionColumns::get`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionRow<'a> {
    /// The customer id.
    pub customer: u64,
    /// The action's name, `None` when no rule matched.
    pub action: Option<&'a str>,
}

impl ActionColumns {
    /// The rows, in the columns' order.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ActionInputs, ActionTable, JourneyStage, StageColumns};
    /// let stages = StageColumns { customer: vec![1, 2], stage: vec![JourneyStage::Churned, JourneyStage::Repeat] };
    /// let a = ActionTable::default().recommend(&[1, 2, 3], &ActionInputs { stages: Some(&stages), ..Default::default() })?;
    /// let names: Vec<_> = a.iter().map(|r| (r.customer, r.action)).collect();
    /// assert_eq!(names, [(1, Some("reactivation_campaign")), (2, Some("cross_sell")), (3, None)]);
    /// assert_eq!(a.get(2).and_then(|r| r.action), Some("cross_sell"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = ActionRow<'_>> + '_ {
        let n = self.customer.len().min(self.action.len());
        (0..n).map(move |i| ActionRow {
            customer: self.customer[i],
            action: name(&self.action_names, self.action[i]),
        })
    }

    /// The row of customer `id`, if it has one.
    pub fn get(&self, id: u64) -> Option<ActionRow<'_>> {
        let i = position(&self.customer, id)?;
        Some(ActionRow {
            customer: id,
            action: name(&self.action_names, *self.action.get(i)?),
        })
    }
}

/// One customer's loyalty account ([`LoyaltyAccounts::iter`], [`LoyaltyAccounts::get`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoyaltyRow<'a> {
    /// The customer id.
    pub customer: u64,
    /// Points available.
    pub balance: u64,
    /// Points earned in all.
    pub earned: u64,
    /// Points redeemed.
    pub redeemed: u64,
    /// Points expired.
    pub expired: u64,
    /// Redemptions rejected for lack of points.
    pub rejected_redemptions: u32,
    /// The tier's name, `None` below every tier.
    pub tier: Option<&'a str>,
}

impl LoyaltyAccounts {
    /// The rows, in the columns' order (as many as the shortest column has).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{LoyaltyAccounts, segment::TierId};
    /// let a = LoyaltyAccounts { customer: vec![4, 8], balance: vec![100, 900], earned: vec![100, 1000],
    ///     redeemed: vec![0, 100], expired: vec![0, 0], rejected_redemptions: vec![0, 0],
    ///     tier: vec![None, Some(TierId::new(0))], tier_names: vec!["gold".into()] };
    /// assert_eq!(a.get(8).and_then(|r| r.tier), Some("gold"));
    /// assert_eq!(a.iter().map(|r| r.balance).sum::<u64>(), 1000);
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = LoyaltyRow<'_>> + '_ {
        let n = [
            self.customer.len(),
            self.balance.len(),
            self.earned.len(),
            self.redeemed.len(),
            self.expired.len(),
            self.rejected_redemptions.len(),
            self.tier.len(),
        ]
        .into_iter()
        .min()
        .unwrap_or(0);
        (0..n).map(move |i| self.row(i))
    }

    /// The row of customer `id`, if it has one.
    pub fn get(&self, id: u64) -> Option<LoyaltyRow<'_>> {
        let i = position(&self.customer, id)?;
        (i < self.iter().len()).then(|| self.row(i))
    }

    fn row(&self, i: usize) -> LoyaltyRow<'_> {
        LoyaltyRow {
            customer: self.customer[i],
            balance: self.balance[i],
            earned: self.earned[i],
            redeemed: self.redeemed[i],
            expired: self.expired[i],
            rejected_redemptions: self.rejected_redemptions[i],
            tier: name(&self.tier_names, self.tier[i]),
        }
    }
}

/// One customer's RFM scores ([`RfmScores::iter`], [`RfmScores::get`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmRow<'a> {
    /// The customer id.
    pub customer: u64,
    /// R score, 1–5.
    pub r: u8,
    /// F score, 1–5.
    pub f: u8,
    /// M score, 1–5.
    pub m: u8,
    /// RFM code `100·R + 10·F + M`.
    pub code: u16,
    /// RFM score `R + F + M`.
    pub score: u8,
    /// The segment's name.
    pub segment: &'a str,
}

impl RfmScores {
    /// The rows, in the columns' order (as many as the shortest column has).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{rfm_scores, RfmConfig, RfmValues};
    /// let v = RfmValues { customer: vec![1, 2], recency: vec![1.0, 90.0], frequency: vec![6.0, 1.0], monetary: vec![300.0, 10.0] };
    /// let s = rfm_scores(&v, &RfmConfig::default())?;
    /// assert_eq!(s.get(1).map(|r| r.score), Some(11));
    /// assert_eq!(s.iter().map(|r| r.customer).collect::<Vec<_>>(), [1, 2]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = RfmRow<'_>> + '_ {
        let n = [
            self.customer.len(),
            self.r.len(),
            self.f.len(),
            self.m.len(),
            self.code.len(),
            self.score.len(),
            self.segment.len(),
        ]
        .into_iter()
        .min()
        .unwrap_or(0);
        (0..n).map(move |i| self.row(i))
    }

    /// The row of customer `id`, if it has one.
    pub fn get(&self, id: u64) -> Option<RfmRow<'_>> {
        let i = position(&self.customer, id)?;
        (i < self.iter().len()).then(|| self.row(i))
    }

    fn row(&self, i: usize) -> RfmRow<'_> {
        RfmRow {
            customer: self.customer[i],
            r: self.r[i],
            f: self.f[i],
            m: self.m[i],
            code: self.code[i],
            score: self.score[i],
            segment: name(&self.segment_names, Some(self.segment[i])).unwrap_or(""),
        }
    }
}

/// One customer's segments ([`SegmentMembership::iter`], [`SegmentMembership::get`]).
#[derive(Debug, Clone, Copy)]
pub struct SegmentRow<'a> {
    /// The customer id.
    pub customer: u64,
    /// The first segment (in priority order) the customer is in.
    pub primary: Option<&'a str>,
    of: &'a SegmentMembership,
    index: usize,
}

impl<'a> SegmentRow<'a> {
    /// Every segment the customer is in, in priority order.
    pub fn segments(&self) -> impl Iterator<Item = &'a str> + 'a {
        let (of, i) = (self.of, self.index);
        of.names
            .iter()
            .zip(&of.member)
            .filter(move |(_, m)| m.get(i).copied().unwrap_or(false))
            .map(|(n, _)| n.as_str())
    }

    /// Whether the customer is in the segment named `segment`.
    pub fn is_in(&self, segment: &str) -> bool {
        self.segments().any(|s| s == segment)
    }
}

impl SegmentMembership {
    /// The rows, in the columns' order.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{SegmentMembership, segment::SegmentId};
    /// let m = SegmentMembership { customer: vec![1, 2], names: vec!["vip".into(), "new".into()],
    ///     member: vec![vec![true, true], vec![false, true]], primary: vec![Some(SegmentId::new(0)); 2] };
    /// let two = m.get(2).unwrap();
    /// assert_eq!(two.primary, Some("vip"));
    /// assert_eq!(two.segments().collect::<Vec<_>>(), ["vip", "new"]);
    /// assert_eq!(m.iter().filter(|r| r.is_in("new")).count(), 1);
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = SegmentRow<'_>> + '_ {
        let n = self.customer.len().min(self.primary.len());
        (0..n).map(move |i| self.row(i))
    }

    /// The row of customer `id`, if it has one.
    pub fn get(&self, id: u64) -> Option<SegmentRow<'_>> {
        let i = position(&self.customer, id)?;
        (i < self.primary.len()).then(|| self.row(i))
    }

    fn row(&self, i: usize) -> SegmentRow<'_> {
        SegmentRow {
            customer: self.customer[i],
            primary: name(&self.names, self.primary[i]),
            of: self,
            index: i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn lookups_find_every_id_sorted_or_not() {
        assert_eq!(position(&[1, 3, 5], 3), Some(1));
        assert_eq!(position(&[1, 3, 5], 4), None);
        assert_eq!(position(&[5, 1, 3], 1), Some(1));
        assert_eq!(position(&[5, 1, 3], 5), Some(0));
        assert_eq!(position(&[], 5), None);
    }
}
