//! Python face of the engagement engine: the native module `engagement._engagement`.
//!
//! Thin by design: it checks and converts Python arguments (numpy arrays are
//! read without a copy when contiguous and of the right dtype), releases the
//! GIL while the core computes, and converts results back (numpy arrays for
//! columns, plain dicts for structured results). The pure-Python package
//! `engagement` wraps these functions into the public API (DataFrames,
//! datetimes, labels, dataclasses).
//!
//! One file per area of the core; this one only registers them.

mod arrow;
mod clv;
mod convert;
mod errors;
mod events;
mod experiment;
mod journey;
mod metrics;
mod model;
mod partial;
mod retention;
mod segments;
mod state;
mod store;
mod transactions;
mod triggers;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
mod _engagement {
    #[pymodule_export]
    use crate::errors::{
        AsOfBeforeDataError, ConfigError, ConvergenceError, CorruptError, EmptyInputError,
        EngagementError, IncompatibleError, InvalidInputError, JsonError, LengthMismatchError,
        StorageError, UnknownIdError, UnknownLabelError,
    };

    /// The library version.
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// The rating-scale code of a missing scale (accepted on rows without a rating).
    #[pymodule_export]
    const MISSING_RATING_SCALE: u8 = engagement_core::RatingScale::MISSING;

    #[pymodule_export]
    use crate::model::{
        channel_codes, kind_codes, labels, rating_scale_codes, set_threads, stage_codes, threads,
        version,
    };

    #[pymodule_export]
    use crate::store::NativeStore;

    #[pymodule_export]
    use crate::partial::NativePartial;

    #[pymodule_export]
    use crate::state::NativeJourneyState;

    #[pymodule_export]
    use crate::arrow::{ArrowTable, arrow_touchpoint_addresses};
    #[pymodule_export]
    use crate::triggers::NativeTriggers;

    #[pymodule_export]
    use crate::metrics::{
        csat, ltv_to_cac, nps, nps_counts, percentile_ranks, retention_clv, retention_rate,
        rfm_scores, rfm_values, simple_clv, wilson,
    };

    #[pymodule_export]
    use crate::transactions::{calibration_holdout, transaction_summary};

    #[pymodule_export]
    use crate::segments::{NativeSegments, loyalty, next_best_actions};

    #[pymodule_export]
    use crate::journey::{
        attribute, attribute_touchpoints, churn_between, funnel, funnel_by_first_touch,
        funnel_by_group, journey_sequences, stage_history, stage_transitions,
    };

    #[pymodule_export]
    use crate::events::{NativeEventDictionary, path_analysis, sessions, step_matrix_diff};

    #[pymodule_export]
    use crate::retention::{
        cohorts, cox, cox_predict, kaplan_meier, lifecycle, logrank_test, retention, rmst,
        rmst_difference, stickiness,
    };

    #[pymodule_export]
    use crate::experiment::{
        adjust_p_values, bayesian_conversion_test, conversion_test, experiment_readout,
        power_two_proportions, readout, readout_sums, sample_size_two_proportions, srm_test,
        welch_test,
    };

    #[pymodule_export]
    use crate::clv::{NativeClvModel, clv_parameter_intervals};
}
