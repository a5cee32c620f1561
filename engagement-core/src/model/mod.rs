//! The data model: customers, touchpoints (as rows, columns and packed
//! rows), channels, kinds, journey stages, codes and labels, money, and
//! calendar arithmetic.

pub(crate) mod calendar;
pub mod channel;
pub mod codes;
pub mod csv;
pub mod customer;
pub mod events;
pub mod kind;
pub mod money;
pub mod stage;
pub mod time;
pub mod touchpoint;

pub use channel::Channel;
pub use codes::{Code, LabelMap};
pub use customer::{Birthday, Customer};
pub use events::{EventColumn, EventDictionary};
pub use kind::TouchpointKind;
pub use money::MICROS_PER_UNIT;
pub use stage::JourneyStage;
pub(crate) use touchpoint::{
    JourneyRecord, PackedRow, TieColumns, customer_runs, customer_split, event_log,
};
pub use touchpoint::{
    MAX_MONEY, MAX_TIME, MIN_TIME, Rating, RatingScale, Touchpoint, TouchpointColumns,
    TouchpointTable,
};
