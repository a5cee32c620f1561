//! Journeys: paths through time. Journey stages and their history (with
//! churn between two dates), funnels, transitions and paths, multi-touch
//! attribution, and triggers evaluated on the touchpoint stream.

pub mod attribution;
pub mod funnel;
pub mod history;
pub mod stages;
pub mod transitions;
pub mod triggers;

pub use history::StageHistory;
pub use stages::{StageColumns, StageConfig, StageRules, stage_of};
