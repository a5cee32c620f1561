//! Retention: acquisition cohorts, retention as product teams define it
//! (start and return events, brackets, censoring) and survival curves
//! (Kaplan–Meier, the log-rank test).

pub mod cohort;
pub mod lifecycle;
pub mod returning;
pub mod stickiness;
pub mod survival;
