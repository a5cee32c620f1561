//! What a partial computes, as data: the spec, and the kinds of partial.

use serde::{Deserialize, Serialize};

use crate::error::{Result, ensure_config};
use crate::journey::funnel::Funnel;
use crate::journey::transitions::SequenceConfig;
use crate::model::TouchpointKind;
use crate::retention::cohort::CohortConfig;
use crate::score::SignalConfig;
use crate::score::proportion::default_level;
#[cfg(doc)]
use crate::{
    ProfileStore, journey::attribution::Paths, journey::funnel::FunnelResult,
    journey::transitions::JourneySequences, partial::MetricsSummary,
    retention::cohort::CohortTable,
};

/// What a partial computes, as data (`{"kind": "funnel", "funnel": {…}}`).
///
/// | kind | fields | result |
/// |---|---|---|
/// | `profiles` | `signals` (a [`SignalConfig`], default) | the merged [`ProfileStore`] |
/// | `metrics` | `level` (0.95), `conversion` (optional `{"trials": [kinds], "successes": [kinds]}`) | [`MetricsSummary`] |
/// | `funnel` | `funnel` (a [`Funnel`]) | [`FunnelResult`] |
/// | `sequences` | `config` (a [`SequenceConfig`], default) | [`JourneySequences`] |
/// | `cohorts` | `as_of`, `config` (a [`CohortConfig`]), `activity` (`"purchases"` or `"any"`) | [`CohortTable`] |
/// | `paths` | `lookback` (seconds, 30 days), `include_conversion` (false), `by` (`"channel"`, or any dimension: `"event"`, `"campaign"` …) | attribution [`Paths`] |
/// | `event_paths` | `config` (a [`PathConfig`](crate::journey::paths::PathConfig), default) | [`PathAnalysis`](crate::journey::paths::PathAnalysis) |
/// | `retention` | `config` (a [`RetentionConfig`](crate::retention::returning::RetentionConfig) with `as_of` given) | [`RetentionTable`](crate::retention::returning::RetentionTable) |
/// | `lifecycle` | `config` (a [`LifecycleConfig`](crate::retention::lifecycle::LifecycleConfig) with `as_of` given) | [`LifecycleTable`](crate::retention::lifecycle::LifecycleTable) |
/// | `stickiness` | `config` (a [`StickinessConfig`](crate::retention::stickiness::StickinessConfig) with `as_of` given) | [`StickinessTable`](crate::retention::stickiness::StickinessTable) |
///
/// # Examples
///
/// ```
/// use engagement_core::partial::PartialSpec;
/// let s: PartialSpec = serde_json::from_str(r#"{"kind": "cohorts", "as_of": 86400}"#)?;
/// assert!(s.needs_whole_customers());
/// assert!(serde_json::from_str::<PartialSpec>(r#"{"kind": "profiles", "sginals": {}}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PartialSpec {
    /// Per-customer profiles.
    Profiles {
        /// How profiles accumulate signals.
        #[serde(default)]
        signals: SignalConfig,
    },
    /// Rating histograms (NPS, CSAT, CES answers) and a conversion count.
    Metrics {
        /// Confidence level of the intervals.
        #[serde(default = "default_level")]
        level: f64,
        /// Which touchpoints are trials and which successes of a conversion rate.
        #[serde(default)]
        conversion: Option<ConversionKinds>,
    },
    /// A funnel.
    Funnel {
        /// The funnel definition.
        funnel: Funnel,
    },
    /// Transition matrix, step matrix and paths of touchpoint journeys.
    Sequences {
        /// What to count.
        #[serde(default)]
        config: SequenceConfig,
    },
    /// Acquisition cohorts.
    Cohorts {
        /// Transactions after this time (Unix seconds) are ignored.
        as_of: i64,
        /// Period and width of the table.
        #[serde(default)]
        config: CohortConfig,
        /// Which touchpoints count as activity.
        #[serde(default)]
        activity: CohortActivity,
    },
    /// Attribution paths (each purchase closes a path of the customer's
    /// touchpoints within `lookback` seconds before it), named by channel or
    /// by any dimension (`by`; see
    /// [`PathOptions`](crate::journey::attribution::PathOptions)).
    Paths(crate::journey::attribution::PathOptions),
    /// Path analysis over a product's own events or any dimension (the
    /// parts' event dictionaries may differ: states are named by label).
    EventPaths {
        /// What to count.
        #[serde(default)]
        config: crate::journey::paths::PathConfig,
    },
    /// Retention of start and return events (`as_of` must be given: parts
    /// cannot agree on the latest touchpoint).
    Retention {
        /// What to count.
        config: Box<crate::retention::returning::RetentionConfig>,
    },
    /// Lifecycle groups per period (`as_of` must be given, as for retention).
    Lifecycle {
        /// What to count.
        config: Box<crate::retention::lifecycle::LifecycleConfig>,
    },
    /// Active days per period and DAU / WAU / MAU (`as_of` must be given).
    Stickiness {
        /// What to count.
        config: Box<crate::retention::stickiness::StickinessConfig>,
    },
    /// An experiment read out from touchpoints (see
    /// [`experiment_readout`](crate::experiment::experiment_readout)): the
    /// assignment travels with the spec, and `spec.as_of` must be given.
    Experiment {
        /// The metrics and how they are read out.
        spec: Box<crate::experiment::ExperimentSpec>,
        /// Who was exposed to which arm, when.
        assignment: Box<crate::experiment::AssignmentTable>,
        /// The arms in the readout's order (empty: the labels sorted).
        #[serde(default)]
        arms: Vec<String>,
    },
}

/// The touchpoint kinds that make a conversion rate of the `metrics` partial:
/// successes / trials, each a count of touchpoints (clicks per impression …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversionKinds {
    /// Kinds counted as trials.
    pub trials: Vec<TouchpointKind>,
    /// Kinds counted as successes.
    pub successes: Vec<TouchpointKind>,
}

/// Which touchpoints a `cohorts` partial reads as transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortActivity {
    /// Purchases, with their value: cohorts by first purchase.
    #[default]
    Purchases,
    /// Every touchpoint (the value of purchases only): cohorts by first touch.
    Any,
}

/// The kind of a partial (the byte at offset 6 of the binary form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartialKind {
    /// `profiles`.
    Profiles = 1,
    /// `metrics`.
    Metrics = 2,
    /// `funnel`.
    Funnel = 3,
    /// `sequences`.
    Sequences = 4,
    /// `cohorts`.
    Cohorts = 5,
    /// `paths`.
    Paths = 6,
    /// `event_paths`.
    EventPaths = 7,
    /// `retention`.
    Retention = 8,
    /// `lifecycle`.
    Lifecycle = 9,
    /// `stickiness`.
    Stickiness = 10,
    /// An experiment from touchpoints.
    Experiment = 11,
}

impl PartialKind {
    /// The snake_case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(engagement_core::partial::PartialKind::Paths.name(), "paths");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            PartialKind::Profiles => "profiles",
            PartialKind::Metrics => "metrics",
            PartialKind::Funnel => "funnel",
            PartialKind::Sequences => "sequences",
            PartialKind::Cohorts => "cohorts",
            PartialKind::Paths => "paths",
            PartialKind::EventPaths => "event_paths",
            PartialKind::Retention => "retention",
            PartialKind::Lifecycle => "lifecycle",
            PartialKind::Stickiness => "stickiness",
            PartialKind::Experiment => "experiment",
        }
    }

    pub(crate) fn from_byte(b: u8) -> Option<Self> {
        [
            PartialKind::Profiles,
            PartialKind::Metrics,
            PartialKind::Funnel,
            PartialKind::Sequences,
            PartialKind::Cohorts,
            PartialKind::Paths,
            PartialKind::EventPaths,
            PartialKind::Retention,
            PartialKind::Lifecycle,
            PartialKind::Stickiness,
            PartialKind::Experiment,
        ]
        .into_iter()
        .find(|k| *k as u8 == b)
    }
}

impl PartialSpec {
    /// The kind of partial this spec makes.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::partial::{PartialKind, PartialSpec};
    /// assert_eq!(PartialSpec::Paths(PathOptions { lookback: 60, include_conversion: false, ..Default::default() }).kind(), PartialKind::Paths);
    /// ```
    pub fn kind(&self) -> PartialKind {
        match self {
            PartialSpec::Profiles { .. } => PartialKind::Profiles,
            PartialSpec::Metrics { .. } => PartialKind::Metrics,
            PartialSpec::Funnel { .. } => PartialKind::Funnel,
            PartialSpec::Sequences { .. } => PartialKind::Sequences,
            PartialSpec::Cohorts { .. } => PartialKind::Cohorts,
            PartialSpec::Paths(_) => PartialKind::Paths,
            PartialSpec::EventPaths { .. } => PartialKind::EventPaths,
            PartialSpec::Retention { .. } => PartialKind::Retention,
            PartialSpec::Lifecycle { .. } => PartialKind::Lifecycle,
            PartialSpec::Stickiness { .. } => PartialKind::Stickiness,
            PartialSpec::Experiment { .. } => PartialKind::Experiment,
        }
    }

    /// Whether each part must hold all the touchpoints of its customers
    /// (journey analyses: partition by customer first) or may hold any subset
    /// (profiles, metrics).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::partial::PartialSpec;
    /// assert!(!PartialSpec::Profiles { signals: Default::default() }.needs_whole_customers());
    /// assert!(PartialSpec::Paths(PathOptions { lookback: 60, include_conversion: false, ..Default::default() }).needs_whole_customers());
    /// ```
    pub fn needs_whole_customers(&self) -> bool {
        !matches!(
            self,
            PartialSpec::Profiles { .. } | PartialSpec::Metrics { .. }
        )
    }

    /// Checks the configuration the spec carries.
    ///
    /// # Errors
    /// [`EngError::Config`](crate::EngError::Config) naming the field.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::partial::PartialSpec;
    /// assert!(PartialSpec::Paths(PathOptions { lookback: 0, include_conversion: false, ..Default::default() }).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        match self {
            PartialSpec::Profiles { signals } => {
                crate::score::Signals::new(signals.clone()).map(drop)
            }
            PartialSpec::Metrics { level, conversion } => {
                crate::score::z_for_level(*level)?;
                if let Some(c) = conversion {
                    ensure_config!(
                        !c.trials.is_empty() && !c.successes.is_empty(),
                        "conversion",
                        "needs at least one trial kind and one success kind"
                    );
                }
                Ok(())
            }
            PartialSpec::Funnel { funnel } => crate::journey::funnel::check_definition(funnel),
            PartialSpec::Sequences { config } => crate::journey::transitions::check_config(config),
            PartialSpec::Cohorts { as_of, config, .. } => {
                ensure_config!(
                    (crate::model::MIN_TIME..=crate::model::MAX_TIME).contains(as_of),
                    "as_of",
                    "must lie within 1970..3000, got {as_of}"
                );
                crate::retention::cohort::check_config(config)
            }
            PartialSpec::Paths(options) => {
                crate::journey::attribution::check_lookback(options.lookback)
            }
            PartialSpec::EventPaths { config } => config.validate(),
            PartialSpec::Retention { config } => {
                ensure_config!(
                    config.as_of.is_some(),
                    "config.as_of",
                    "a retention partial needs as_of (Unix seconds): each part would otherwise end \
                     observation at its own latest touchpoint"
                );
                config.validate()
            }
            PartialSpec::Lifecycle { config } => {
                ensure_config!(
                    config.as_of.is_some(),
                    "config.as_of",
                    "a lifecycle partial needs as_of (Unix seconds): each part would otherwise end \
                     its table at its own latest touchpoint"
                );
                config.validate()
            }
            PartialSpec::Stickiness { config } => {
                ensure_config!(
                    config.as_of.is_some(),
                    "config.as_of",
                    "a stickiness partial needs as_of (Unix seconds): each part would otherwise end \
                     its days at its own latest touchpoint"
                );
                config.validate()
            }
            PartialSpec::Experiment {
                spec, assignment, ..
            } => crate::experiment::check_partial_spec(spec, assignment),
        }
    }
}
