//! Scores and metrics: engagement, NPS, CSAT, conversion, churn, value.

pub mod churn;
pub mod engagement;
mod nps;
pub mod proportion;
pub mod rfm;
pub mod value;

pub use crate::profile::signals::{SignalConfig, Signals, TypeWeights};
pub use churn::{ChurnSummary, retention_rate};
pub use engagement::{EngagementScore, ScoreColumns, ScoreConfig, Scorer, percentile_ranks};
pub use nps::{NpsSummary, nps, nps_counts, nps_of_profiles};
pub use proportion::{
    DEFAULT_LEVEL, Proportion, conversion_rate, csat, csat_of_profiles, repeat_purchase_rate,
    z_for_level,
};
pub use rfm::{
    MonetaryBasis, RfmBins, RfmConfig, RfmScores, RfmSegmentRule, RfmValues, quintile_scores,
    rfm_of_store, rfm_scores,
};
// The signals' earlier home, kept so that existing imports still compile.
#[doc(hidden)]
pub use crate::profile::signals;
pub use value::{
    PurchaseSummary, SimpleClvInput, ltv_to_cac, purchase_summary, retention_clv, simple_clv,
};
