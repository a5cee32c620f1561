//! Segmentation: customer features, segments defined as data, loyalty, next best action.

pub mod actions;
pub mod features;
pub mod ids;
pub mod loyalty;
pub mod rule;
pub mod rules;

pub use actions::{ActionColumns, ActionInputs, ActionRule, ActionTable};
pub use features::CustomerFeatures;
pub use ids::{ActionId, SegmentId, TierId};
pub use loyalty::{
    LoyaltyAccounts, LoyaltyConfig, LoyaltyReport, RedemptionColumns, TierBasis, TierHistory,
    TierRule, run_loyalty,
};
pub use rules::{SegmentMembership, SegmentSet};
