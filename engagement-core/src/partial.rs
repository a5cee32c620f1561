//! Partial results that merge: the state of one pass over part of the
//! touchpoints, to be combined with the states of the other parts.
//!
//! A [`Partial`] is built from one part of the data with a [`PartialSpec`]
//! (what to compute and how), merged with the partials of the other parts in
//! any order and any grouping ([`Partial::merge`] is associative and
//! commutative), and finished into the same result as one pass over all of
//! the data ([`Partial::result`]). Partials travel between machines as a
//! compact checksummed binary form ([`Partial::to_bytes`]) or as JSON
//! ([`Partial::to_json`]). This is what runs the engine inside Spark or Dask.
//!
//! Two families, by what a part must hold:
//! - **Any split of the touchpoints**: `profiles` (per-customer profiles,
//!   from which scores, stages, RFM, NPS and the rest follow) and `metrics`
//!   (rating histograms for NPS, CSAT and CES; a conversion count). A
//!   customer's touchpoints may be spread over every part.
//! - **Whole customers per part**: `funnel`, `sequences`, `cohorts` and
//!   `paths` read each customer's journey in time order, so every customer's
//!   touchpoints must be in one part (partition by customer first: one
//!   shuffle). Their merge adds counts; [`PartialSpec::needs_whole_customers`]
//!   says which family a spec is in.
//!
//! Sums of money are kept in integer micro-units and times as integers, so
//! merged results are equal to the single pass to the last bit, not just close.
//!
//! # Binary form (format version 1)
//!
//! | bytes | content |
//! |---|---|
//! | 0–3 | magic `ENGP` |
//! | 4–5 | format version, little-endian `u16` (1) |
//! | 6 | kind: 1 profiles, 2 metrics, 3 funnel, 4 sequences, 5 cohorts, 6 paths |
//! | 7 | reserved, 0 |
//! | 8–15 | payload length in bytes, little-endian `u64` |
//! | 16–19 | CRC-32 (IEEE) of the payload, little-endian |
//! | 20… | payload: the spec as JSON text, then the state, in postcard encoding |
//!
//! A reader rejects, with [`EngError::Corrupt`], anything shorter than the
//! header, another magic, a version it does not know, a length that is not
//! the rest of the buffer (truncated or padded), a checksum mismatch, and
//! a payload that does not decode or whose state does not fit its spec.
//!
//! # Examples
//!
//! ```
//! use engagement_core::TouchpointColumns;
//! use engagement_core::partial::{Partial, PartialResult, PartialSpec};
//!
//! let spec: PartialSpec = serde_json::from_str(r#"{"kind": "funnel", "funnel":
//!     {"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}]}}"#)?;
//! // Two machines, each with whole customers (visit = 3, purchase = 4).
//! let a = TouchpointColumns { customer: &[1, 1], time: &[0, 60], channel: &[1, 1], kind: &[3, 4], ..Default::default() };
//! let b = TouchpointColumns { customer: &[2], time: &[0], channel: &[1], kind: &[3], ..Default::default() };
//! let mut total = Partial::from_touchpoints(&spec, &a)?;
//! let other = Partial::from_bytes(&Partial::from_touchpoints(&spec, &b)?.to_bytes()?)?;
//! total.merge(other)?;
//! let PartialResult::Funnel(r) = total.result()? else { unreachable!() };
//! assert_eq!(r.customers, [2, 1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::journey::attribution::{Attribution, PathCounts, Paths, Rule};
use crate::journey::funnel::{Funnel, FunnelExtras, FunnelResult, Tally};
use crate::journey::transitions::{JourneySequences, SequenceConfig, SequenceCounts};
use crate::model::{Code, RatingScale, TouchpointColumns, TouchpointKind};
use crate::profile::{Profile, ProfileStore, ProfileSummary};
use crate::retention::cohort::{CohortConfig, CohortCounts, CohortTable};
use crate::score::{NpsSummary, Proportion, SignalConfig};

/// The binary format version this library writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const MAGIC: [u8; 4] = *b"ENGP";
const HEADER: usize = 20;

/// What a partial computes, as data (`{"kind": "funnel", "funnel": {…}}`).
///
/// | kind | fields | result |
/// |---|---|---|
/// | `profiles` | `signals` (a [`SignalConfig`], default) | the merged [`ProfileStore`] |
/// | `metrics` | `level` (0.95), `conversion` (optional `{"trials": [kinds], "successes": [kinds]}`) | [`MetricsSummary`] |
/// | `funnel` | `funnel` (a [`Funnel`]) | [`FunnelResult`] |
/// | `sequences` | `config` (a [`SequenceConfig`], default) | [`JourneySequences`] |
/// | `cohorts` | `as_of`, `config` (a [`CohortConfig`]), `activity` (`"purchases"` or `"any"`) | [`CohortTable`] |
/// | `paths` | `lookback` (seconds) | attribution [`Paths`] |
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
    /// touchpoints within `lookback` seconds before it).
    Paths {
        /// Seconds before a purchase that its path reaches back.
        lookback: i64,
    },
}

fn default_level() -> f64 {
    0.95
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
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        [
            PartialKind::Profiles,
            PartialKind::Metrics,
            PartialKind::Funnel,
            PartialKind::Sequences,
            PartialKind::Cohorts,
            PartialKind::Paths,
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
    /// use engagement_core::partial::{PartialKind, PartialSpec};
    /// assert_eq!(PartialSpec::Paths { lookback: 60 }.kind(), PartialKind::Paths);
    /// ```
    pub fn kind(&self) -> PartialKind {
        match self {
            PartialSpec::Profiles { .. } => PartialKind::Profiles,
            PartialSpec::Metrics { .. } => PartialKind::Metrics,
            PartialSpec::Funnel { .. } => PartialKind::Funnel,
            PartialSpec::Sequences { .. } => PartialKind::Sequences,
            PartialSpec::Cohorts { .. } => PartialKind::Cohorts,
            PartialSpec::Paths { .. } => PartialKind::Paths,
        }
    }

    /// Whether each part must hold all the touchpoints of its customers
    /// (journey analyses: partition by customer first) or may hold any subset
    /// (profiles, metrics).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::PartialSpec;
    /// assert!(!PartialSpec::Profiles { signals: Default::default() }.needs_whole_customers());
    /// assert!(PartialSpec::Paths { lookback: 60 }.needs_whole_customers());
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
    /// [`EngError::Config`] naming the field.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::PartialSpec;
    /// assert!(PartialSpec::Paths { lookback: 0 }.validate().is_err());
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
            PartialSpec::Paths { lookback } => {
                crate::journey::attribution::check_lookback(*lookback)
            }
        }
    }
}

/// Rating histograms and conversion counts: the `metrics` partial's state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
struct MetricCounts {
    nps: [u64; 11],
    csat: [u64; 5],
    ces: [u64; 7],
    trials: u64,
    successes: u64,
}

impl MetricCounts {
    fn merge(&mut self, o: &MetricCounts) {
        let add = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        self.nps.iter_mut().zip(o.nps).for_each(|(a, b)| add(a, b));
        self.csat
            .iter_mut()
            .zip(o.csat)
            .for_each(|(a, b)| add(a, b));
        self.ces.iter_mut().zip(o.ces).for_each(|(a, b)| add(a, b));
        add(&mut self.trials, o.trials);
        add(&mut self.successes, o.successes);
    }
}

/// NPS, CSAT and a conversion rate from the `metrics` partial: every answer
/// counts (not only each customer's latest; for that, use profiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsSummary {
    /// NPS of every NPS answer (`None` without answers).
    pub nps: Option<NpsSummary>,
    /// CSAT (share of 4–5) of every CSAT answer (`None` without answers).
    pub csat: Option<Proportion>,
    /// Mean CES answer (`None` without answers).
    pub ces_mean: Option<f64>,
    /// Successes / trials of the spec's conversion (`None` without one or without trials).
    pub conversion: Option<Proportion>,
    /// Answers per NPS score 0–10.
    pub nps_answers: [u64; 11],
    /// Answers per CSAT score 1–5.
    pub csat_answers: [u64; 5],
    /// Answers per CES score 1–7.
    pub ces_answers: [u64; 7],
}

/// The finished result of a partial, by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PartialResult {
    /// Every customer's profile summary, in customer order.
    Profiles {
        /// The summaries.
        profiles: Vec<ProfileSummary>,
    },
    /// NPS, CSAT, conversion.
    Metrics(MetricsSummary),
    /// The funnel.
    Funnel(FunnelResult),
    /// The journey sequences.
    Sequences(JourneySequences),
    /// The cohort table.
    Cohorts(CohortTable),
    /// The attribution path table.
    Paths(Paths),
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Profiles(Box<ProfileStore>),
    Metrics(MetricCounts),
    Funnel(Tally),
    Sequences(SequenceCounts),
    Cohorts(CohortCounts),
    Paths(PathCounts),
}

/// The mergeable state of one pass over part of the data; see the
/// [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    spec: PartialSpec,
    state: State,
}

impl Partial {
    /// An empty partial (no data yet) for `spec`.
    ///
    /// # Errors
    /// As [`PartialSpec::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let p = Partial::new(&PartialSpec::Paths { lookback: 86_400 })?;
    /// assert!(p.result().is_err());   // nothing to attribute yet
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn new(spec: &PartialSpec) -> Result<Self> {
        spec.validate()?;
        let state = match spec {
            PartialSpec::Profiles { signals } => {
                State::Profiles(Box::new(ProfileStore::new(signals.clone())?))
            }
            PartialSpec::Metrics { .. } => State::Metrics(MetricCounts::default()),
            PartialSpec::Funnel { funnel } => State::Funnel(Tally::new(funnel.steps.len())),
            PartialSpec::Sequences { config } => State::Sequences(SequenceCounts::new(config)),
            PartialSpec::Cohorts { .. } => State::Cohorts(CohortCounts::default()),
            PartialSpec::Paths { .. } => State::Paths(PathCounts::default()),
        };
        Ok(Partial {
            spec: spec.clone(),
            state,
        })
    }

    /// The partial of one part of the touchpoints (which may be empty).
    ///
    /// # Errors
    /// As [`PartialSpec::validate`] and [`TouchpointColumns::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::partial::{Partial, PartialResult, PartialSpec};
    /// let spec: PartialSpec = serde_json::from_str(r#"{"kind": "metrics"}"#)?;
    /// let cols = TouchpointColumns { customer: &[1, 2], time: &[0, 0], channel: &[0, 0], kind: &[11, 11],
    ///     rating: &[10.0, 3.0], rating_scale: &[0, 0], ..Default::default() };
    /// let PartialResult::Metrics(m) = Partial::from_touchpoints(&spec, &cols)?.result()? else { unreachable!() };
    /// assert_eq!(m.nps.map(|n| n.score), Some(0.0));   // one promoter, one detractor
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_touchpoints(spec: &PartialSpec, cols: &TouchpointColumns<'_>) -> Result<Self> {
        Self::from_touchpoints_with(spec, cols, &FunnelExtras::default())
    }

    /// As [`from_touchpoints`](Self::from_touchpoints), with the campaign
    /// column and stage history that funnel steps may read.
    ///
    /// # Errors
    /// As [`from_touchpoints`](Self::from_touchpoints) and
    /// [`run_funnel_with`](crate::journey::funnel::run_funnel_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::funnel::FunnelExtras;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let spec: PartialSpec = serde_json::from_str(r#"{"kind": "funnel", "funnel":
    ///     {"steps": [{"name": "mail 7", "kinds": ["click"], "campaigns": [7]}]}}"#)?;
    /// let cols = TouchpointColumns { customer: &[1, 2], time: &[0, 0], channel: &[0, 0], kind: &[2, 2], ..Default::default() };
    /// let p = Partial::from_touchpoints_with(&spec, &cols, &FunnelExtras { campaign: &[7, 8], stages: None })?;
    /// assert!(Partial::from_touchpoints(&spec, &cols).is_err());   // the step needs campaigns
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_touchpoints_with(
        spec: &PartialSpec,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self> {
        spec.validate()?;
        let state = match spec {
            PartialSpec::Profiles { signals } => {
                State::Profiles(Box::new(ProfileStore::from_columns(signals.clone(), cols)?))
            }
            PartialSpec::Metrics { conversion, .. } => {
                State::Metrics(metric_counts(cols, conversion.as_ref())?)
            }
            PartialSpec::Funnel { funnel } => {
                State::Funnel(crate::journey::funnel::tally(cols, extras, funnel)?)
            }
            PartialSpec::Sequences { config } => {
                State::Sequences(crate::journey::transitions::sequence_counts(cols, config)?)
            }
            PartialSpec::Cohorts {
                as_of,
                config,
                activity,
            } => {
                cols.validate()?;
                let purchase = TouchpointKind::Purchase.code();
                let rows: Vec<usize> = (0..cols.len())
                    .filter(|&i| *activity == CohortActivity::Any || cols.kind[i] == purchase)
                    .collect();
                let customer: Vec<u64> = rows.iter().map(|&i| cols.customer[i]).collect();
                let time: Vec<i64> = rows.iter().map(|&i| cols.time[i]).collect();
                let value: Vec<f64> = rows
                    .iter()
                    .map(|&i| {
                        let v = cols.value.get(i).copied().unwrap_or(0.0);
                        if cols.kind[i] == purchase { v } else { 0.0 }
                    })
                    .collect();
                let tx = crate::transactions::TransactionColumns {
                    customer: &customer,
                    time: &time,
                    value: &value,
                };
                State::Cohorts(crate::retention::cohort::cohort_counts(
                    &tx, *as_of, config,
                )?)
            }
            PartialSpec::Paths { lookback } => {
                State::Paths(crate::journey::attribution::path_counts(cols, *lookback)?)
            }
        };
        Ok(Partial {
            spec: spec.clone(),
            state,
        })
    }

    /// The partial of a cohort table from transaction columns (as
    /// [`cohorts`](crate::retention::cohort::cohorts) reads them).
    ///
    /// # Errors
    /// As [`cohorts`](crate::retention::cohort::cohorts), but no data is not an error here.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::{Partial, PartialResult};
    /// use engagement_core::transactions::TransactionColumns;
    /// let tx = TransactionColumns { customer: &[1, 1], time: &[0, 40 * 86_400], value: &[5.0, 7.5] };
    /// let p = Partial::cohorts(&tx, 60 * 86_400, &Default::default())?;
    /// let PartialResult::Cohorts(t) = p.result()? else { unreachable!() };
    /// assert_eq!(t.size, [1]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn cohorts(
        tx: &crate::transactions::TransactionColumns<'_>,
        as_of: i64,
        config: &CohortConfig,
    ) -> Result<Self> {
        let spec = PartialSpec::Cohorts {
            as_of,
            config: *config,
            activity: CohortActivity::Purchases,
        };
        spec.validate()?;
        Ok(Partial {
            state: State::Cohorts(crate::retention::cohort::cohort_counts(tx, as_of, config)?),
            spec,
        })
    }

    /// A `profiles` partial holding a copy of `store`'s profiles.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{ProfileStore, SignalConfig, Touchpoint, Channel, TouchpointKind as K};
    /// use engagement_core::partial::Partial;
    /// let mut store = ProfileStore::new(SignalConfig::default())?;
    /// store.push(&Touchpoint::new(5, 10, Channel::Web, K::Purchase).with_value(12.0))?;
    /// let back = Partial::from_store(&store).into_store()?;
    /// assert_eq!(back, store);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_store(store: &ProfileStore) -> Self {
        Partial {
            spec: PartialSpec::Profiles {
                signals: store.signals().config().clone(),
            },
            state: State::Profiles(Box::new(store.clone())),
        }
    }

    /// The spec this partial was built with.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::{Partial, PartialKind, PartialSpec};
    /// let p = Partial::new(&PartialSpec::Paths { lookback: 60 })?;
    /// assert_eq!(p.spec().kind(), PartialKind::Paths);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn spec(&self) -> &PartialSpec {
        &self.spec
    }

    /// Adds `other` into `self`. Merging is associative and commutative: any
    /// grouping and order of the parts give the same partial.
    ///
    /// # Errors
    /// [`EngError::Incompatible`] when the two were built with different
    /// specs; `self` is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let mut a = Partial::new(&PartialSpec::Paths { lookback: 60 })?;
    /// assert!(a.merge(Partial::new(&PartialSpec::Paths { lookback: 61 })?).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn merge(&mut self, other: Partial) -> Result<()> {
        if other.spec != self.spec {
            return Err(EngError::Incompatible {
                reason: format!(
                    "partials of different specs ({} and {}); build every part with the same spec",
                    self.spec.kind().name(),
                    other.spec.kind().name()
                ),
            });
        }
        match (&mut self.state, other.state) {
            (State::Profiles(a), State::Profiles(b)) => a.merge(&b)?,
            (State::Metrics(a), State::Metrics(b)) => a.merge(&b),
            (State::Funnel(a), State::Funnel(b)) => a.merge(b),
            (State::Sequences(a), State::Sequences(b)) => a.merge(b),
            (State::Cohorts(a), State::Cohorts(b)) => a.merge(b),
            (State::Paths(a), State::Paths(b)) => a.merge(b),
            _ => {
                // Equal specs make equal state kinds.
                return Err(EngError::Incompatible {
                    reason: "partials of different kinds".into(),
                });
            }
        }
        Ok(())
    }

    /// As [`merge`](Self::merge), reading `other` in place (no copy of a
    /// profiles partial's store; the small states of the other kinds are copied).
    ///
    /// # Errors
    /// As [`merge`](Self::merge); `self` is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let spec: PartialSpec = serde_json::from_str(r#"{"kind": "profiles"}"#)?;
    /// let cols = TouchpointColumns { customer: &[3], time: &[0], channel: &[0], kind: &[4], value: &[2.0], ..Default::default() };
    /// let mut a = Partial::from_touchpoints(&spec, &cols)?;
    /// let b = a.clone();
    /// a.merge_ref(&b)?;
    /// assert_eq!(a.into_store()?.get(3)?.revenue(), 4.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge_ref(&mut self, other: &Partial) -> Result<()> {
        match (&mut self.state, &other.state) {
            (State::Profiles(a), State::Profiles(b)) if other.spec == self.spec => a.merge(b),
            _ => self.merge(other.clone()),
        }
    }

    /// The finished result: what one pass over all the merged parts gives.
    ///
    /// # Errors
    /// [`EngError::EmptyInput`] when the parts held no data the result can
    /// be computed from (as the single-pass functions say).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::partial::{Partial, PartialResult, PartialSpec};
    /// let spec = PartialSpec::Paths { lookback: 86_400 };
    /// let cols = TouchpointColumns { customer: &[1, 1], time: &[0, 60], channel: &[0, 1], kind: &[1, 4],
    ///     value: &[0.0, 9.5], ..Default::default() };
    /// let PartialResult::Paths(p) = Partial::from_touchpoints(&spec, &cols)?.result()? else { unreachable!() };
    /// assert_eq!((p.channels.len(), p.value[0]), (2, 9.5));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn result(&self) -> Result<PartialResult> {
        Ok(match (&self.spec, &self.state) {
            (_, State::Profiles(s)) => PartialResult::Profiles {
                profiles: s.iter().map(Profile::summary).collect(),
            },
            (PartialSpec::Metrics { level, .. }, State::Metrics(m)) => {
                PartialResult::Metrics(metrics_summary(m, *level)?)
            }
            (PartialSpec::Funnel { funnel }, State::Funnel(t)) => {
                PartialResult::Funnel(t.finish(funnel)?)
            }
            (PartialSpec::Sequences { config }, State::Sequences(s)) => {
                PartialResult::Sequences(s.finish(config)?)
            }
            (PartialSpec::Cohorts { as_of, config, .. }, State::Cohorts(c)) => {
                PartialResult::Cohorts(c.finish(*as_of, config)?)
            }
            (_, State::Paths(p)) => PartialResult::Paths(p.finish()?),
            _ => {
                return Err(EngError::Incompatible {
                    reason: "a partial whose state does not match its spec".into(),
                });
            }
        })
    }

    /// Attribution of a `paths` partial by `rule`.
    ///
    /// # Errors
    /// [`EngError::Incompatible`] for another kind of partial; as
    /// [`attribute`](crate::journey::attribution::attribute).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::attribution::Rule;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let spec = PartialSpec::Paths { lookback: 86_400 };
    /// let cols = TouchpointColumns { customer: &[1, 1], time: &[0, 60], channel: &[0, 1], kind: &[1, 4],
    ///     value: &[0.0, 9.5], ..Default::default() };
    /// let a = Partial::from_touchpoints(&spec, &cols)?.attribute(&Rule::Linear)?;
    /// assert_eq!(a.conversions, [0.5, 0.5]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn attribute(&self, rule: &Rule) -> Result<Attribution> {
        match &self.state {
            State::Paths(p) => crate::journey::attribution::attribute(&p.finish()?, rule),
            _ => Err(EngError::Incompatible {
                reason: format!(
                    "attribution needs a paths partial, not {}",
                    self.spec.kind().name()
                ),
            }),
        }
    }

    /// The merged profiles of a `profiles` partial.
    ///
    /// # Errors
    /// [`EngError::Incompatible`] for another kind of partial.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let spec: PartialSpec = serde_json::from_str(r#"{"kind": "profiles"}"#)?;
    /// let cols = TouchpointColumns { customer: &[3], time: &[0], channel: &[0], kind: &[4], value: &[2.0], ..Default::default() };
    /// let store = Partial::from_touchpoints(&spec, &cols)?.into_store()?;
    /// assert_eq!(store.get(3)?.revenue(), 2.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_store(self) -> Result<ProfileStore> {
        match self.state {
            State::Profiles(s) => Ok(*s),
            _ => Err(EngError::Incompatible {
                reason: format!(
                    "profiles come from a profiles partial, not {}",
                    self.spec.kind().name()
                ),
            }),
        }
    }

    /// The binary form (see the [module docs](self)).
    ///
    /// # Errors
    /// [`EngError::Json`] if the spec cannot be written (never for specs
    /// that were read from JSON).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let bytes = Partial::new(&PartialSpec::Paths { lookback: 60 })?.to_bytes()?;
    /// assert_eq!(&bytes[..4], b"ENGP");
    /// assert!(Partial::from_bytes(&bytes[..bytes.len() - 1]).is_err());   // truncated
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let spec = serde_json::to_string(&self.spec)?;
        let payload = match &self.state {
            State::Profiles(s) => postcard_bytes(&(spec, s.iter().collect::<Vec<_>>())),
            State::Metrics(m) => postcard_bytes(&(spec, m)),
            State::Funnel(t) => postcard_bytes(&(spec, t)),
            State::Sequences(s) => postcard_bytes(&(spec, wire::Sequences::from(s))),
            State::Cohorts(c) => postcard_bytes(&(spec, wire::Cohorts::from(c))),
            State::Paths(p) => postcard_bytes(&(spec, wire::Paths::from(p))),
        }?;
        let mut out = Vec::with_capacity(HEADER + payload.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(self.spec.kind() as u8);
        out.push(0);
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Reads the binary form.
    ///
    /// # Errors
    /// [`EngError::Corrupt`] for anything that is not a whole, intact partial
    /// of a known format version (see the [module docs](self)).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let mut bytes = Partial::new(&PartialSpec::Paths { lookback: 60 })?.to_bytes()?;
    /// assert_eq!(Partial::from_bytes(&bytes)?.spec(), &PartialSpec::Paths { lookback: 60 });
    /// *bytes.last_mut().unwrap() ^= 1;
    /// assert_eq!(Partial::from_bytes(&bytes).unwrap_err().kind(), "corrupt");
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let corrupt = |reason: String| EngError::Corrupt { reason };
        if bytes.len() < HEADER {
            return Err(corrupt(format!(
                "{} bytes, shorter than the {HEADER}-byte header",
                bytes.len()
            )));
        }
        if bytes[..4] != MAGIC {
            return Err(corrupt(
                "not a partial (the first bytes are not ENGP)".into(),
            ));
        }
        let version = u16::from_le_bytes([bytes[4], bytes[5]]);
        if version != FORMAT_VERSION {
            return Err(corrupt(format!(
                "format version {version}; this library reads version {FORMAT_VERSION}"
            )));
        }
        let kind = PartialKind::from_byte(bytes[6])
            .ok_or_else(|| corrupt(format!("unknown kind byte {}", bytes[6])))?;
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[8..16]);
        let length = u64::from_le_bytes(word);
        let rest = (bytes.len() - HEADER) as u64;
        if length != rest {
            return Err(corrupt(format!(
                "the header announces {length} payload bytes, {rest} follow (truncated or padded)"
            )));
        }
        let mut crc = [0u8; 4];
        crc.copy_from_slice(&bytes[16..20]);
        let payload = &bytes[HEADER..];
        if crc32fast::hash(payload) != u32::from_le_bytes(crc) {
            return Err(corrupt("checksum mismatch: the payload was altered".into()));
        }
        let decode_err = |e: postcard::Error| corrupt(format!("payload does not decode: {e}"));
        let state_of = |spec: &PartialSpec, s: wire::State| -> Result<Self> {
            let spec: PartialSpec = spec.clone();
            Self::checked(spec, s).map_err(corrupt)
        };
        match kind {
            PartialKind::Profiles => {
                let (spec, profiles): (String, Vec<Profile>) =
                    postcard::from_bytes(payload).map_err(decode_err)?;
                state_of(&read_spec(&spec, kind)?, wire::State::Profiles(profiles))
            }
            PartialKind::Metrics => {
                let (spec, m): (String, MetricCounts) =
                    postcard::from_bytes(payload).map_err(decode_err)?;
                state_of(&read_spec(&spec, kind)?, wire::State::Metrics(m))
            }
            PartialKind::Funnel => {
                let (spec, t): (String, Tally) =
                    postcard::from_bytes(payload).map_err(decode_err)?;
                state_of(&read_spec(&spec, kind)?, wire::State::Funnel(t))
            }
            PartialKind::Sequences => {
                let (spec, s): (String, wire::Sequences) =
                    postcard::from_bytes(payload).map_err(decode_err)?;
                state_of(&read_spec(&spec, kind)?, wire::State::Sequences(s))
            }
            PartialKind::Cohorts => {
                let (spec, c): (String, wire::Cohorts) =
                    postcard::from_bytes(payload).map_err(decode_err)?;
                state_of(&read_spec(&spec, kind)?, wire::State::Cohorts(c))
            }
            PartialKind::Paths => {
                let (spec, p): (String, wire::Paths) =
                    postcard::from_bytes(payload).map_err(decode_err)?;
                state_of(&read_spec(&spec, kind)?, wire::State::Paths(p))
            }
        }
    }

    /// The JSON form: `{"format": 1, "spec": {…}, "state": {…}}`.
    ///
    /// # Errors
    /// [`EngError::Json`] if it cannot be written.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let p = Partial::new(&PartialSpec::Paths { lookback: 60 })?;
    /// let json = p.to_json()?;
    /// assert!(json.starts_with(r#"{"format":1,"spec":{"kind":"paths","lookback":60}"#));
    /// assert_eq!(Partial::from_json(&json)?, p);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn to_json(&self) -> Result<String> {
        // Written directly, not through `serde_json::Value`, which cannot hold
        // the 128-bit fixed-point sums of profiles.
        let state = match &self.state {
            State::Profiles(s) => serde_json::to_string(&s.iter().collect::<Vec<_>>()),
            State::Metrics(m) => serde_json::to_string(m),
            State::Funnel(t) => serde_json::to_string(t),
            State::Sequences(s) => serde_json::to_string(&wire::Sequences::from(s)),
            State::Cohorts(c) => serde_json::to_string(&wire::Cohorts::from(c)),
            State::Paths(p) => serde_json::to_string(&wire::Paths::from(p)),
        }?;
        let spec = serde_json::to_string(&self.spec)?;
        Ok(format!(
            r#"{{"format":{FORMAT_VERSION},"spec":{spec},"state":{state}}}"#
        ))
    }

    /// Reads the JSON form.
    ///
    /// # Errors
    /// [`EngError::Json`] for malformed JSON or an invalid spec;
    /// [`EngError::Corrupt`] for another format version or a state that does
    /// not fit its spec.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::partial::Partial;
    /// let p = Partial::from_json(r#"{"format": 1, "spec": {"kind": "metrics"},
    ///     "state": {"nps": [0,0,0,0,0,0,0,0,0,0,2], "csat": [0,0,0,0,0], "ces": [0,0,0,0,0,0,0], "trials": 0, "successes": 0}}"#)?;
    /// assert!(Partial::from_json(r#"{"format": 2, "spec": {"kind": "metrics"}, "state": {}}"#).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        let w: wire::Json = crate::limits::from_json(json)?;
        if w.format != FORMAT_VERSION {
            return Err(EngError::Corrupt {
                reason: format!(
                    "format version {}; this library reads version {FORMAT_VERSION}",
                    w.format
                ),
            });
        }
        w.spec.validate()?;
        let state = w.state.get();
        let s = match w.spec.kind() {
            PartialKind::Profiles => wire::State::Profiles(serde_json::from_str(state)?),
            PartialKind::Metrics => wire::State::Metrics(serde_json::from_str(state)?),
            PartialKind::Funnel => wire::State::Funnel(serde_json::from_str(state)?),
            PartialKind::Sequences => wire::State::Sequences(serde_json::from_str(state)?),
            PartialKind::Cohorts => wire::State::Cohorts(serde_json::from_str(state)?),
            PartialKind::Paths => wire::State::Paths(serde_json::from_str(state)?),
        };
        Self::checked(w.spec, s).map_err(|reason| EngError::Corrupt { reason })
    }

    /// A partial from decoded parts, after checking that the state fits the spec.
    fn checked(spec: PartialSpec, s: wire::State) -> std::result::Result<Self, String> {
        spec.validate()
            .map_err(|e| format!("its spec is invalid: {e}"))?;
        let state = match (&spec, s) {
            (PartialSpec::Profiles { signals }, wire::State::Profiles(profiles)) => {
                let mut store = ProfileStore::new(signals.clone()).map_err(|e| e.to_string())?;
                let fingerprint = store.signals().fingerprint();
                let mut previous = None;
                for p in &profiles {
                    if previous.is_some_and(|c| c >= p.customer()) {
                        return Err("profiles out of customer order or repeated".into());
                    }
                    previous = Some(p.customer());
                    if p.signals_fingerprint() != fingerprint {
                        return Err(format!(
                            "customer {}'s profile was built with other signals",
                            p.customer()
                        ));
                    }
                    p.check_consistent()
                        .map_err(|e| format!("customer {}: {e}", p.customer()))?;
                    store.merge_profile(p).map_err(|e| e.to_string())?;
                }
                State::Profiles(Box::new(store))
            }
            (PartialSpec::Metrics { .. }, wire::State::Metrics(m)) => State::Metrics(m),
            (PartialSpec::Funnel { funnel }, wire::State::Funnel(t)) => {
                t.check(funnel.steps.len())?;
                State::Funnel(t)
            }
            (PartialSpec::Sequences { config }, wire::State::Sequences(s)) => {
                let s = SequenceCounts {
                    counts: s.counts,
                    at_step: s.at_step,
                    paths: wire::sorted_map(s.paths)?,
                    customers: s.customers,
                };
                s.check(config)?;
                State::Sequences(s)
            }
            (PartialSpec::Cohorts { as_of, config, .. }, wire::State::Cohorts(c)) => {
                let c = CohortCounts {
                    cohorts: wire::sorted_map(c.cohorts)?,
                };
                c.check(*as_of, config)?;
                State::Cohorts(c)
            }
            (PartialSpec::Paths { .. }, wire::State::Paths(p)) => {
                let p = PathCounts {
                    paths: wire::sorted_map(p.paths)?,
                };
                p.check()?;
                State::Paths(p)
            }
            _ => return Err("the state is of another kind than the spec".into()),
        };
        Ok(Partial { spec, state })
    }
}

fn postcard_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| EngError::Corrupt {
        reason: format!("cannot encode: {e}"),
    })
}

fn read_spec(json: &str, kind: PartialKind) -> Result<PartialSpec> {
    let spec: PartialSpec = serde_json::from_str(json).map_err(|e| EngError::Corrupt {
        reason: format!("its spec does not parse: {e}"),
    })?;
    if spec.kind() != kind {
        return Err(EngError::Corrupt {
            reason: format!(
                "the header says {}, the spec says {}",
                kind.name(),
                spec.kind().name()
            ),
        });
    }
    Ok(spec)
}

fn metric_counts(
    cols: &TouchpointColumns<'_>,
    conversion: Option<&ConversionKinds>,
) -> Result<MetricCounts> {
    let n = cols.validate()?;
    let mut m = MetricCounts::default();
    for i in 0..cols.rating.len() {
        let r = cols.rating[i];
        if r.is_nan() {
            continue;
        }
        // Validation checked that ratings are whole numbers on their scale.
        let r = r as usize;
        let slot = match RatingScale::from_code(cols.rating_scale[i])? {
            RatingScale::Nps => m.nps.get_mut(r),
            RatingScale::Csat => m.csat.get_mut(r.wrapping_sub(1)),
            RatingScale::Ces => m.ces.get_mut(r.wrapping_sub(1)),
        };
        if let Some(c) = slot {
            *c += 1;
        }
    }
    if let Some(c) = conversion {
        let mut is_trial = [false; 256];
        let mut is_success = [false; 256];
        c.trials
            .iter()
            .for_each(|k| is_trial[usize::from(k.code())] = true);
        c.successes
            .iter()
            .for_each(|k| is_success[usize::from(k.code())] = true);
        for &k in &cols.kind[..n] {
            m.trials += u64::from(is_trial[usize::from(k)]);
            m.successes += u64::from(is_success[usize::from(k)]);
        }
    }
    Ok(m)
}

fn metrics_summary(m: &MetricCounts, level: f64) -> Result<MetricsSummary> {
    let nps_n: u64 = m.nps.iter().sum();
    let csat_n: u64 = m.csat.iter().sum();
    let ces_n: u64 = m.ces.iter().sum();
    let nps = (nps_n > 0)
        .then(|| {
            let promoters = m.nps[9] + m.nps[10];
            let passives = m.nps[7] + m.nps[8];
            crate::score::nps_counts(promoters, passives, nps_n - promoters - passives, level)
        })
        .transpose()?;
    let csat = (csat_n > 0)
        .then(|| Proportion::wilson(m.csat[3] + m.csat[4], csat_n, level))
        .transpose()?;
    let ces_mean = (ces_n > 0).then(|| {
        let total: u64 = m
            .ces
            .iter()
            .enumerate()
            .map(|(i, &c)| (i as u64 + 1) * c)
            .sum();
        total as f64 / ces_n as f64
    });
    if m.trials > 0 && m.successes > m.trials {
        // Touchpoint counts allow it (more clicks than opens); a rate above 1 is no rate.
        return Err(EngError::invalid(
            "conversion",
            format!("{} successes, {} trials", m.successes, m.trials),
            "more success touchpoints than trial touchpoints: choose kinds where each success follows a trial",
        ));
    }
    let conversion = (m.trials > 0)
        .then(|| Proportion::wilson(m.successes, m.trials, level))
        .transpose()?;
    Ok(MetricsSummary {
        nps,
        csat,
        ces_mean,
        conversion,
        nps_answers: m.nps,
        csat_answers: m.csat,
        ces_answers: m.ces,
    })
}

/// Serialized shapes of the states: maps as lists of (key, value) pairs in
/// key order, so that JSON needs no string keys and the form is canonical.
mod wire {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use crate::journey::attribution::{PathCount, PathCounts};
    use crate::journey::transitions::SequenceCounts;
    use crate::retention::cohort::{CohortCounts, CohortRow};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Json {
        pub(super) format: u16,
        pub(super) spec: super::PartialSpec,
        pub(super) state: Box<serde_json::value::RawValue>,
    }

    pub(super) enum State {
        Profiles(Vec<crate::profile::Profile>),
        Metrics(super::MetricCounts),
        Funnel(crate::journey::funnel::Tally),
        Sequences(Sequences),
        Cohorts(Cohorts),
        Paths(Paths),
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Sequences {
        pub(super) counts: Vec<u64>,
        pub(super) at_step: Vec<u64>,
        pub(super) paths: Vec<(Vec<u8>, u64)>,
        pub(super) customers: u64,
    }

    impl From<&SequenceCounts> for Sequences {
        fn from(s: &SequenceCounts) -> Self {
            Sequences {
                counts: s.counts.clone(),
                at_step: s.at_step.clone(),
                paths: s.paths.iter().map(|(k, &v)| (k.clone(), v)).collect(),
                customers: s.customers,
            }
        }
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Cohorts {
        pub(super) cohorts: Vec<(i64, CohortRow)>,
    }

    impl From<&CohortCounts> for Cohorts {
        fn from(c: &CohortCounts) -> Self {
            Cohorts {
                cohorts: c.cohorts.iter().map(|(&k, v)| (k, v.clone())).collect(),
            }
        }
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Paths {
        pub(super) paths: Vec<(Vec<u8>, PathCount)>,
    }

    impl From<&PathCounts> for Paths {
        fn from(p: &PathCounts) -> Self {
            Paths {
                paths: p.paths.iter().map(|(k, &v)| (k.clone(), v)).collect(),
            }
        }
    }

    /// The map of pairs given in strictly increasing key order.
    pub(super) fn sorted_map<K: Ord, V>(pairs: Vec<(K, V)>) -> Result<BTreeMap<K, V>, String> {
        if pairs.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err("entries out of order or repeated".into());
        }
        Ok(pairs.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols<'a>(
        c: &'a [u64],
        t: &'a [i64],
        ch: &'a [u8],
        k: &'a [u8],
        v: &'a [f64],
    ) -> TouchpointColumns<'a> {
        TouchpointColumns {
            customer: c,
            time: t,
            channel: ch,
            kind: k,
            value: v,
            ..Default::default()
        }
    }

    #[test]
    fn every_corruption_of_the_binary_form_is_refused() {
        let spec = PartialSpec::Paths { lookback: 86_400 };
        let data = cols(
            &[1, 1, 2],
            &[0, 10, 5],
            &[0, 1, 2],
            &[1, 4, 2],
            &[0.0, 3.5, 0.0],
        );
        let bytes = Partial::from_touchpoints(&spec, &data)
            .unwrap()
            .to_bytes()
            .unwrap();
        assert!(Partial::from_bytes(&bytes).is_ok());
        // Every truncation, every single-bit flip.
        for len in 0..bytes.len() {
            assert_eq!(
                Partial::from_bytes(&bytes[..len]).unwrap_err().kind(),
                "corrupt",
                "len {len}"
            );
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                if i == 7 {
                    continue; // the reserved byte is not read
                }
                assert_eq!(
                    Partial::from_bytes(&b).unwrap_err().kind(),
                    "corrupt",
                    "byte {i} bit {bit}"
                );
            }
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert!(Partial::from_bytes(&padded).is_err());
        let mut v2 = bytes;
        v2[4] = 2;
        assert!(
            Partial::from_bytes(&v2)
                .unwrap_err()
                .to_string()
                .contains("version 2")
        );
    }

    #[test]
    fn inconsistent_state_with_a_valid_checksum_is_refused() {
        // A funnel whose second step is reached by more customers than its first.
        let spec: PartialSpec = serde_json::from_str(
            r#"{"kind": "funnel", "funnel": {"steps": [{"name": "a", "kinds": ["visit"]}, {"name": "b", "kinds": ["purchase"]}]}}"#,
        )
        .unwrap();
        let json = format!(
            r#"{{"format": 1, "spec": {}, "state": {{"reached": [1, 2], "times": [[0], [0, 5]]}}}}"#,
            serde_json::to_string(&spec).unwrap()
        );
        assert_eq!(Partial::from_json(&json).unwrap_err().kind(), "corrupt");
        let ok = format!(
            r#"{{"format": 1, "spec": {}, "state": {{"reached": [2, 1], "times": [[0, 0], [5]]}}}}"#,
            serde_json::to_string(&spec).unwrap()
        );
        let p = Partial::from_json(&ok).unwrap();
        assert_eq!(Partial::from_bytes(&p.to_bytes().unwrap()).unwrap(), p);
    }

    #[test]
    fn more_conversion_successes_than_trials_is_a_typed_error() {
        // Found by the ffi_partial fuzz target: a rate above 1 from touchpoint counts.
        let spec: PartialSpec = serde_json::from_str(
            r#"{"kind": "metrics", "conversion": {"trials": ["open"], "successes": ["click"]}}"#,
        )
        .unwrap();
        let data = cols(&[1, 1, 1], &[0, 1, 2], &[0, 0, 0], &[1, 2, 2], &[0.0; 3]);
        let e = Partial::from_touchpoints(&spec, &data)
            .unwrap()
            .result()
            .unwrap_err();
        assert_eq!(e.kind(), "invalid_input");
        assert!(e.to_string().contains("2 successes, 1 trials"), "{e}");
    }

    #[test]
    fn specs_survive_every_form_to_the_last_bit() {
        // Found by the ffi_partial fuzz target: a level written with many digits parsed one ulp
        // off, so the re-encoded spec differed and merges with the original were refused.
        let spec: PartialSpec = serde_json::from_str(
            r#"{"kind": "metrics", "level": 0.92222222222222222222222222222225}"#,
        )
        .unwrap();
        let a = Partial::new(&spec).unwrap();
        let mut b = Partial::from_json(&a.to_json().unwrap()).unwrap();
        let c = Partial::from_bytes(&a.to_bytes().unwrap()).unwrap();
        assert_eq!(b.to_bytes().unwrap(), a.to_bytes().unwrap());
        b.merge(c).unwrap();
    }

    #[test]
    fn merging_different_specs_leaves_self_unchanged() {
        let data = cols(&[1], &[0], &[0], &[4], &[1.0]);
        let mut a = Partial::from_touchpoints(&PartialSpec::Paths { lookback: 60 }, &data).unwrap();
        let before = a.clone();
        let b = Partial::from_touchpoints(&PartialSpec::Paths { lookback: 61 }, &data).unwrap();
        assert_eq!(a.merge(b).unwrap_err().kind(), "incompatible");
        assert_eq!(a, before);
    }

    mod merged_equals_single_pass {
        use proptest::prelude::*;

        use super::super::*;
        use crate::model::{Touchpoint, TouchpointTable};

        fn specs() -> Vec<PartialSpec> {
            let json = [
                r#"{"kind": "profiles"}"#,
                r#"{"kind": "metrics", "conversion": {"trials": ["open", "impression"], "successes": ["click"]}}"#,
                r#"{"kind": "funnel", "funnel": {"steps": [{"name": "a", "kinds": ["open", "visit"]},
                    {"name": "b", "kinds": ["click"]}, {"name": "c", "kinds": ["purchase"]}], "window": 40000000}}"#,
                r#"{"kind": "sequences", "config": {"by": "kind", "steps": 4, "path_length": 3, "top_paths": 5}}"#,
                r#"{"kind": "cohorts", "as_of": 1893456000, "config": {"period": "month", "max_periods": 30}}"#,
                r#"{"kind": "cohorts", "as_of": 1800000000, "activity": "any"}"#,
                r#"{"kind": "paths", "lookback": 2592000}"#,
            ];
            json.iter()
                .map(|j| serde_json::from_str(j).unwrap())
                .collect()
        }

        fn table(tps: &[&Touchpoint]) -> TouchpointTable {
            let mut t = TouchpointTable::default();
            for tp in tps {
                t.push(tp);
            }
            t
        }

        /// Merges `parts` along a random binary tree (`picks` choose the pair
        /// merged next), passing some partials through the binary or JSON form.
        fn merge_tree(mut parts: Vec<Partial>, picks: &[(usize, usize, u8)]) -> Partial {
            let mut k = 0;
            while parts.len() > 1 {
                let (a, b, how) = picks[k % picks.len()];
                k += 1;
                let i = a % parts.len();
                let mut other = parts.swap_remove(i);
                let j = b % parts.len();
                match how % 3 {
                    0 => other = Partial::from_bytes(&other.to_bytes().unwrap()).unwrap(),
                    1 => other = Partial::from_json(&other.to_json().unwrap()).unwrap(),
                    _ => {}
                }
                parts[j].merge(other).unwrap();
            }
            parts.pop().unwrap()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(96))]
            #[test]
            fn any_partitioning_and_merge_tree(
                tps in crate::testing::touchpoints(60),
                // Part of each touchpoint (any split) and of each customer (whole customers).
                row_part in proptest::collection::vec(0usize..5, 60),
                customer_part in proptest::collection::vec(0usize..5, 8),
                picks in proptest::collection::vec((0usize..8, 0usize..8, 0u8..3), 1..8),
            ) {
                let all: Vec<&Touchpoint> = tps.iter().collect();
                let whole = table(&all);
                for spec in specs() {
                    let parts: Vec<Partial> = (0..5)
                        .map(|p| {
                            let rows: Vec<&Touchpoint> = tps
                                .iter()
                                .enumerate()
                                .filter(|(i, tp)| {
                                    if spec.needs_whole_customers() {
                                        customer_part[tp.customer as usize % 8] == p
                                    } else {
                                        row_part[*i] == p
                                    }
                                })
                                .map(|(_, tp)| tp)
                                .collect();
                            Partial::from_touchpoints(&spec, &table(&rows).columns()).unwrap()
                        })
                        .collect();
                    let merged = merge_tree(parts, &picks);
                    let single = Partial::from_touchpoints(&spec, &whole.columns()).unwrap();
                    prop_assert_eq!(&merged, &single);
                    // And the result equals the single-pass functions' (or both fail alike).
                    let (r, direct) = (merged.result(), single_pass(&spec, &whole));
                    match (r, direct) {
                        (Ok(r), Ok(d)) => prop_assert_eq!(
                            serde_json::to_string(&r).unwrap(),
                            serde_json::to_string(&d).unwrap()
                        ),
                        (Err(a), Err(b)) => prop_assert_eq!(a.kind(), b.kind()),
                        (a, b) => prop_assert!(false, "{:?} vs {:?}", a.map(drop), b.map(drop)),
                    }
                }
            }
        }

        /// The result of the library's single-pass function for `spec`.
        fn single_pass(spec: &PartialSpec, t: &TouchpointTable) -> Result<PartialResult> {
            let cols = t.columns();
            Ok(match spec {
                PartialSpec::Profiles { signals } => PartialResult::Profiles {
                    profiles: ProfileStore::from_columns(signals.clone(), &cols)?
                        .iter()
                        .map(Profile::summary)
                        .collect(),
                },
                PartialSpec::Metrics { level, .. } => {
                    let answers = |scale: RatingScale| -> Vec<f32> {
                        (0..cols.len())
                            .filter(|&i| {
                                !cols.rating[i].is_nan() && cols.rating_scale[i] == scale as u8
                            })
                            .map(|i| cols.rating[i])
                            .collect()
                    };
                    let nps = answers(RatingScale::Nps);
                    let csat = answers(RatingScale::Csat);
                    let ces = answers(RatingScale::Ces);
                    let count = |ks: &[TouchpointKind]| {
                        cols.kind
                            .iter()
                            .filter(|&&k| ks.iter().any(|x| x.code() == k))
                            .count() as u64
                    };
                    let trials = count(&[TouchpointKind::Open, TouchpointKind::Impression]);
                    let hist = |v: &[f32], lo: f32, n: usize| {
                        let mut h = vec![0u64; n];
                        v.iter().for_each(|&r| h[(r - lo) as usize] += 1);
                        h
                    };
                    let (nh, ch, eh) =
                        (hist(&nps, 0.0, 11), hist(&csat, 1.0, 5), hist(&ces, 1.0, 7));
                    PartialResult::Metrics(MetricsSummary {
                        nps: (!nps.is_empty())
                            .then(|| crate::nps(&nps, *level))
                            .transpose()?,
                        csat: (!csat.is_empty())
                            .then(|| crate::csat(&csat, *level))
                            .transpose()?,
                        ces_mean: (!ces.is_empty()).then(|| {
                            ces.iter().map(|&x| f64::from(x)).sum::<f64>() / ces.len() as f64
                        }),
                        conversion: (trials > 0)
                            .then(|| {
                                Proportion::wilson(count(&[TouchpointKind::Click]), trials, *level)
                            })
                            .transpose()?,
                        nps_answers: nh.try_into().unwrap(),
                        csat_answers: ch.try_into().unwrap(),
                        ces_answers: eh.try_into().unwrap(),
                    })
                }
                PartialSpec::Funnel { funnel } => {
                    PartialResult::Funnel(crate::journey::funnel::run_funnel(&cols, funnel)?)
                }
                PartialSpec::Sequences { config } => PartialResult::Sequences(
                    crate::journey::transitions::journey_sequences(&cols, config)?,
                ),
                PartialSpec::Cohorts {
                    as_of,
                    config,
                    activity,
                } => {
                    let rows: Vec<usize> = (0..cols.len())
                        .filter(|&i| {
                            *activity == CohortActivity::Any
                                || cols.kind[i] == TouchpointKind::Purchase.code()
                        })
                        .collect();
                    let c: Vec<u64> = rows.iter().map(|&i| cols.customer[i]).collect();
                    let tm: Vec<i64> = rows.iter().map(|&i| cols.time[i]).collect();
                    let v: Vec<f64> = rows
                        .iter()
                        .map(|&i| {
                            if cols.kind[i] == TouchpointKind::Purchase.code() {
                                cols.value[i]
                            } else {
                                0.0
                            }
                        })
                        .collect();
                    let tx = crate::transactions::TransactionColumns {
                        customer: &c,
                        time: &tm,
                        value: &v,
                    };
                    PartialResult::Cohorts(crate::retention::cohort::cohorts(&tx, *as_of, config)?)
                }
                PartialSpec::Paths { lookback } => PartialResult::Paths(
                    crate::journey::attribution::paths_from_touchpoints(&cols, *lookback)?,
                ),
            })
        }
    }
}
