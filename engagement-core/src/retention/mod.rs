//! Retention: acquisition cohorts, retention as product teams define it
//! (start and return events, brackets, censoring) and survival curves
//! (Kaplan–Meier, the log-rank test, restricted mean survival time, Cox
//! proportional hazards).

pub mod cohort;
pub mod cox;
pub mod lifecycle;
pub mod returning;
pub mod stickiness;
pub mod survival;
