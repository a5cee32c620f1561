//! # engagement-core
//!
//! The computation engine of **engagement**, a customer-engagement analytics
//! library: customers and touchpoints in, the numbers a marketing or CRM team
//! lives by out. The same engine is reachable from C (`engagement-ffi`) and
//! Python (`engagement-py`); those layers only convert data, so every
//! behaviour, default and validation is defined here.
//!
//! ## Where things are
//!
//! | module | what it holds |
//! |---|---|
//! | [`model`] | the data: [`Touchpoint`] rows, [`TouchpointColumns`] and packed rows, ratings and their [`RatingScale`] (in `model/touchpoint.rs`), [`Channel`], [`TouchpointKind`], [`JourneyStage`], [`Customer`] records, codes and labels ([`Code`], [`LabelMap`]), CSV, money in micro-units, calendar arithmetic |
//! | [`profile`] | per-customer [`Profile`]s (incremental, order-free, mergeable), their decayed [`Signals`], the sharded [`ProfileStore`], the flat [`ProfileSummary`] |
//! | [`score`] | engagement scores ([`Scorer`]), NPS, CSAT and other proportions, churn and retention rates from counts, RFM (also of a store: [`rfm_of_store`]), simple lifetime value |
//! | [`journey`] | paths through time: stages ([`StageRules`]) and their [`StageHistory`] (with churn between two dates), funnels ([`journey::funnel`]), transitions and paths ([`journey::transitions`]), multi-touch attribution ([`journey::attribution`]), triggers ([`journey::triggers`]) |
//! | [`retention`] | acquisition cohorts ([`retention::cohort`]) and survival curves: Kaplan–Meier, log-rank ([`retention::survival`]) |
//! | [`clv`] | probabilistic lifetime value: one file per model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma, sBG) with its fit and predictions; the optimizers in `clv/fit.rs`, special functions, diagnostics, simulation |
//! | [`transactions`] | frequency / recency / T / monetary summaries and calibration–holdout splits for [`clv`] |
//! | [`segment`] | customer features, segments defined as data (JSON, or typed rules built in Rust: [`segment::rule`]), loyalty programmes, next best actions |
//! | [`experiment`] | A/B tests: conversion, Welch, Bayesian, sample size and power |
//! | [`partial`] | mergeable partial results of every analysis, their wire forms, and the way back to a scored store ([`partial::Partial::into_scored_store`]): what runs the engine on Spark and Dask |
//! | [`persist`] | saving a [`ProfileStore`] (and its score configuration) to bytes or a file and loading it back, versioned and checksummed |
//! | [`rows`] | named rows of the column results: `iter()` and `get(customer)` on scores, stages, RFM, transaction summaries, actions, loyalty accounts and segments |
//! | [`error`], [`limits`] | the one error type [`EngError`]; the sizes the engine takes and its JSON reader |
//! | [`synth`], `testing` | a seeded generator of sample data; proptest strategies (feature `proptest`) |
//!
//! Conventions:
//! - **Times are Unix seconds** (`i64`, UTC), between 1970 and 3000, inside
//!   and in results. Functions that take an instant also take a
//!   `std::time::SystemTime` (or, with the `jiff` feature, a
//!   `jiff::Timestamp`); spans are `std::time::Duration`s
//!   ([`model::time`]). Durations in results are seconds unless the field
//!   says otherwise.
//! - **Money** is a non-negative `f64` per touchpoint, summed exactly in
//!   integer micro-units; a refund is a touchpoint of kind `refund` with a
//!   positive value.
//! - **Bulk input is columnar**: [`TouchpointColumns`] borrows equal-length
//!   slices; outputs are column structs in ascending customer id.
//! - **Configuration is data**: every `…Config` is a serde struct with
//!   defaults and `deny_unknown_fields`, and a `validate()`.
//! - **One error type**, [`EngError`]; nothing panics on bad input.
//!
//! ## Example
//!
//! ```
//! use engagement_core::{
//!     nps_of_profiles, Channel, JourneyStage, ProfileStore, RatingScale, ScoreConfig, Scorer,
//!     StageConfig, StageRules, TouchpointColumns, TouchpointKind,
//! };
//! use engagement_core::TouchpointKind::{Click, Purchase, SurveyResponse};
//!
//! let day = 86_400;
//! // Two customers: 1 buys twice and answers an NPS survey with 9; 2 only clicks.
//! let cols = TouchpointColumns {
//!     customer: &[1, 1, 2, 1],
//!     time: &[0, 20 * day, 5 * day, 21 * day],
//!     // Typed values viewed as the columns' u8 codes (no copy); code
//!     // columns from elsewhere go in as they are (`&[1, 2, 0, 0]`).
//!     channel: Channel::codes(&[Channel::Web, Channel::MobileApp, Channel::Email, Channel::Email]),
//!     kind: TouchpointKind::codes(&[Purchase, Purchase, Click, SurveyResponse]),
//!     value: &[30.0, 45.5, 0.0, 0.0],
//!     rating: &[f32::NAN, f32::NAN, f32::NAN, 9.0],
//!     rating_scale: RatingScale::codes(&[RatingScale::Nps; 4]),
//! };
//! let config = ScoreConfig::default();
//! let mut store = ProfileStore::new(config.signals.clone())?;
//! store.push_columns(&cols)?;
//!
//! let as_of = 30 * day;
//! let scores = Scorer::new(config)?.score_store(&store, as_of)?;
//! assert_eq!(scores.customer, [1, 2]);
//! assert!(scores.total[0] > scores.total[1]);
//!
//! let rules = StageRules::new(StageConfig::default())?;
//! assert_eq!(rules.stage_of(store.get(1)?, as_of)?, JourneyStage::Repeat);
//! assert_eq!(rules.stage_of(store.get(2)?, as_of)?, JourneyStage::Engaged);
//!
//! let nps = nps_of_profiles(store.iter(), 0.95)?;
//! assert_eq!(nps.score, 100.0);
//! # Ok::<(), engagement_core::EngError>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod clv;
pub mod error;
pub mod experiment;
pub mod journey;
pub mod limits;
pub mod model;
pub mod partial;
pub mod persist;
pub mod profile;
pub mod retention;
pub mod rows;
pub mod score;
pub mod segment;
pub mod synth;
pub mod table;
#[cfg(any(test, feature = "proptest"))]
pub mod testing;
pub mod threads;
pub mod transactions;

// The modules' earlier homes, kept so that existing imports still compile.
#[doc(hidden)]
pub use journey::{attribution, funnel, transitions, triggers};
#[doc(hidden)]
pub use retention::{cohort, lifecycle, returning, stickiness, survival};

/// The README's Rust example runs as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The crate README's example runs as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;

pub use error::{EngError, ErrorKind, Result};
pub use journey::funnel::{Funnel, FunnelResult, FunnelStep, run_funnel};
pub use journey::state::{JourneyState, JourneyStateConfig};
pub use journey::{StageColumns, StageConfig, StageHistory, StageRules, stage_of};
pub use model::{
    Birthday, Channel, Code, Customer, EventColumn, EventDictionary, JourneyStage, LabelMap,
    MAX_MONEY, MAX_TIME, MIN_TIME, Rating, RatingScale, Touchpoint, TouchpointColumns,
    TouchpointKind, TouchpointTable,
};
pub use profile::{Profile, ProfileStore, ProfileSummary, TimedRating};
pub use score::{
    ChurnSummary, DEFAULT_LEVEL, EngagementScore, MonetaryBasis, NpsSummary, Proportion,
    PurchaseSummary, RfmBins, RfmConfig, RfmScores, RfmSegmentRule, RfmValues, ScoreColumns,
    ScoreConfig, Scorer, SignalConfig, Signals, SimpleClvInput, TypeWeights, conversion_rate, csat,
    csat_of_profiles, ltv_to_cac, nps, nps_counts, nps_of_profiles, percentile_ranks,
    purchase_summary, quintile_scores, repeat_purchase_rate, retention_clv, retention_rate,
    rfm_of_store, rfm_scores, simple_clv, z_for_level,
};
pub use segment::rule::SegmentRule;
pub use segment::{
    ActionColumns, ActionId, ActionInputs, ActionRule, ActionTable, CustomerFeatures,
    LoyaltyAccounts, LoyaltyConfig, LoyaltyReport, RedemptionColumns, SegmentMembership,
    SegmentSet, TierBasis, TierHistory, TierRule, run_loyalty,
};
