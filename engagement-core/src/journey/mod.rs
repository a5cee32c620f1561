//! Journey analytics: stages and stage history.

pub mod history;
pub mod stages;

pub use history::StageHistory;
pub use stages::{StageColumns, StageConfig, StageRules, stage_of};
