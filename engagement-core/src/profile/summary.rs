//! The flat, serializable summary of a profile.

use serde::{Deserialize, Serialize};

use crate::model::{Channel, Code, RatingScale, TouchpointKind};
use crate::profile::Profile;

/// A flat, serializable view of a [`Profile`]: what reports, the C face's JSON
/// and the Python face's DataFrames show per customer.
///
/// # Examples
///
/// ```
#[doc = include_str!("example.md")]
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
    #[doc = include_str!("example.md")]
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
