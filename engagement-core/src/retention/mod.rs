//! Retention: acquisition cohorts and survival curves (Kaplan–Meier, the
//! log-rank test).

pub mod cohort;
pub mod survival;
