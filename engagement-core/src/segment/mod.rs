//! Segmentation: customer features, segments defined as data, loyalty, next best action.

pub mod features;
pub mod rules;

pub use features::CustomerFeatures;
pub use rules::{SegmentMembership, SegmentSet};
