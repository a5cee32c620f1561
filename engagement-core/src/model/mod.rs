//! The data model: customers, touchpoints, channels, kinds and journey stages.

pub mod channel;
pub mod codes;
pub mod csv;
pub mod customer;
pub mod kind;
pub mod stage;
pub mod touchpoint;

pub use channel::Channel;
pub use codes::{Code, LabelMap};
pub use customer::{Birthday, Customer};
pub use kind::TouchpointKind;
pub use stage::JourneyStage;
pub(crate) use touchpoint::{JourneyRecord, customer_runs};
pub use touchpoint::{
    MAX_MONEY, MAX_TIME, MIN_TIME, Rating, RatingScale, Touchpoint, TouchpointColumns,
    TouchpointTable,
};
