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

use crate::model::time::IntoTime;
use serde::Serialize;

use crate::error::{EngError, Result};
use crate::journey::attribution::{Attribution, PathCounts, Paths, Rule};
use crate::journey::funnel::{FunnelExtras, FunnelResult, Tally};
use crate::journey::paths::{PathAnalysis, PathState};
use crate::journey::transitions::{JourneySequences, SequenceCounts};
use crate::model::TouchpointColumns;
use crate::profile::{ProfileStore, ProfileSummary};
use crate::retention::cohort::{CohortConfig, CohortCounts, CohortTable};
use crate::score::{ScoreConfig, Scorer};

mod kinds;
mod metrics;
mod spec;
mod wire;

use kinds::PartState;
use metrics::MetricCounts;
pub use metrics::MetricsSummary;
pub use spec::{CohortActivity, ConversionKinds, PartialKind, PartialSpec};
pub use wire::FORMAT_VERSION;

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
    /// The path analysis.
    EventPaths(PathAnalysis),
    /// The retention table.
    Retention(crate::retention::returning::RetentionTable),
    /// The lifecycle table.
    Lifecycle(crate::retention::lifecycle::LifecycleTable),
    /// The stickiness table.
    Stickiness(crate::retention::stickiness::StickinessTable),
    /// The experiment's readout.
    Experiment(crate::experiment::ExperimentReadout),
}

/// The state of a partial, by kind; each kind is a [`PartState`].
#[derive(Debug, Clone, PartialEq)]
enum State {
    Profiles(Box<ProfileStore>),
    Metrics(MetricCounts),
    Funnel(Tally),
    Sequences(SequenceCounts),
    Cohorts(CohortCounts),
    Paths(PathCounts),
    EventPaths(PathState),
    Retention(crate::retention::returning::RetentionCounts),
    Lifecycle(crate::retention::lifecycle::LifecycleCounts),
    Stickiness(crate::retention::stickiness::StickinessCounts),
    Experiment(crate::experiment::ExperimentValues),
}

/// `$body` with `$s` bound to the state of whatever kind `$state` holds.
macro_rules! with_state {
    ($state:expr, $s:ident => $body:expr) => {
        match $state {
            State::Profiles($s) => $body,
            State::Metrics($s) => $body,
            State::Funnel($s) => $body,
            State::Sequences($s) => $body,
            State::Cohorts($s) => $body,
            State::Paths($s) => $body,
            State::EventPaths($s) => $body,
            State::Retention($s) => $body,
            State::Lifecycle($s) => $body,
            State::Stickiness($s) => $body,
            State::Experiment($s) => $body,
        }
    };
}

/// `$body` with `$a`, `$b` bound to two states of the same kind, else `$other`.
macro_rules! with_states {
    (($a:expr, $b:expr), ($x:ident, $y:ident) => $body:expr, else $other:expr) => {
        match ($a, $b) {
            (State::Profiles($x), State::Profiles($y)) => $body,
            (State::Metrics($x), State::Metrics($y)) => $body,
            (State::Funnel($x), State::Funnel($y)) => $body,
            (State::Sequences($x), State::Sequences($y)) => $body,
            (State::Cohorts($x), State::Cohorts($y)) => $body,
            (State::Paths($x), State::Paths($y)) => $body,
            (State::EventPaths($x), State::EventPaths($y)) => $body,
            (State::Retention($x), State::Retention($y)) => $body,
            (State::Lifecycle($x), State::Lifecycle($y)) => $body,
            (State::Stickiness($x), State::Stickiness($y)) => $body,
            (State::Experiment($x), State::Experiment($y)) => $body,
            _ => $other,
        }
    };
}

/// `$body` with `$T` the state type of `$kind` and `$wrap` its `State` variant.
macro_rules! with_kind {
    ($kind:expr, $T:ident, $wrap:ident => $body:expr) => {
        match $kind {
            PartialKind::Profiles => {
                type $T = Box<ProfileStore>;
                let $wrap = State::Profiles;
                $body
            }
            PartialKind::Metrics => {
                type $T = MetricCounts;
                let $wrap = State::Metrics;
                $body
            }
            PartialKind::Funnel => {
                type $T = Tally;
                let $wrap = State::Funnel;
                $body
            }
            PartialKind::Sequences => {
                type $T = SequenceCounts;
                let $wrap = State::Sequences;
                $body
            }
            PartialKind::Cohorts => {
                type $T = CohortCounts;
                let $wrap = State::Cohorts;
                $body
            }
            PartialKind::Paths => {
                type $T = PathCounts;
                let $wrap = State::Paths;
                $body
            }
            PartialKind::EventPaths => {
                type $T = PathState;
                let $wrap = State::EventPaths;
                $body
            }
            PartialKind::Retention => {
                type $T = crate::retention::returning::RetentionCounts;
                let $wrap = State::Retention;
                $body
            }
            PartialKind::Lifecycle => {
                type $T = crate::retention::lifecycle::LifecycleCounts;
                let $wrap = State::Lifecycle;
                $body
            }
            PartialKind::Stickiness => {
                type $T = crate::retention::stickiness::StickinessCounts;
                let $wrap = State::Stickiness;
                $body
            }
            PartialKind::Experiment => {
                type $T = crate::experiment::ExperimentValues;
                let $wrap = State::Experiment;
                $body
            }
        }
    };
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
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let p = Partial::new(&PartialSpec::Paths(PathOptions { lookback: 86_400, include_conversion: false, ..Default::default() }))?;
    /// assert!(p.result().is_err());   // nothing to attribute yet
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn new(spec: &PartialSpec) -> Result<Self> {
        spec.validate()?;
        let state = with_kind!(spec.kind(), T, wrap => wrap(T::empty(config_of::<T>(spec)?)?));
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
    /// use engagement_core::journey::funnel::FunnelExtras;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let spec: PartialSpec = serde_json::from_str(r#"{"kind": "funnel", "funnel":
    ///     {"steps": [{"name": "mail 7", "kinds": ["click"], "campaigns": [7]}]}}"#)?;
    /// let cols = TouchpointColumns { customer: &[1, 2], time: &[0, 0], channel: &[0, 0], kind: &[2, 2], ..Default::default() };
    /// let p = Partial::from_touchpoints_with(&spec, &cols, &FunnelExtras { campaign: &[7, 8], stages: None, events: None, session: &[] })?;
    /// assert!(Partial::from_touchpoints(&spec, &cols).is_err());   // the step needs campaigns
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_touchpoints_with(
        spec: &PartialSpec,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self> {
        spec.validate()?;
        let state = with_kind!(spec.kind(), T, wrap => {
            wrap(T::of_touchpoints(config_of::<T>(spec)?, cols, extras)?)
        });
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
        as_of: impl IntoTime,
        config: &CohortConfig,
    ) -> Result<Self> {
        let as_of = as_of.unix_seconds();
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
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::partial::{Partial, PartialKind, PartialSpec};
    /// let p = Partial::new(&PartialSpec::Paths(PathOptions { lookback: 60, include_conversion: false, ..Default::default() }))?;
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
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let mut a = Partial::new(&PartialSpec::Paths(PathOptions { lookback: 60, include_conversion: false, ..Default::default() }))?;
    /// assert!(a.merge(Partial::new(&PartialSpec::Paths(PathOptions { lookback: 61, include_conversion: false, ..Default::default() }))?).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn merge(&mut self, other: Partial) -> Result<()> {
        if other.spec != self.spec {
            let (mine, theirs) = (self.spec.kind().name(), other.spec.kind().name());
            let what = if mine == theirs {
                format!("{mine} partials whose settings differ")
            } else {
                format!("a {mine} partial and a {theirs} partial")
            };
            return Err(EngError::Incompatible {
                reason: format!(
                    "cannot merge {what} (different specs); build every part with the same spec"
                ),
            });
        }
        with_states!((&mut self.state, other.state), (a, b) => absorb(a, b), else {
            // Equal specs make equal state kinds.
            Err(EngError::Incompatible {
                reason: "partials of different kinds".into(),
            })
        })
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
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::partial::{Partial, PartialResult, PartialSpec};
    /// let spec = PartialSpec::Paths(PathOptions { lookback: 86_400, include_conversion: true, ..Default::default() });
    /// let cols = TouchpointColumns { customer: &[1, 1], time: &[0, 60], channel: &[0, 1], kind: &[1, 4],
    ///     value: &[0.0, 9.5], ..Default::default() };
    /// let PartialResult::Paths(p) = Partial::from_touchpoints(&spec, &cols)?.result()? else { unreachable!() };
    /// assert_eq!((p.channels.len(), p.value[0]), (2, 9.5));   // email open, then the web purchase
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn result(&self) -> Result<PartialResult> {
        with_state!(&self.state, s => finish(s, &self.spec))
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
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::journey::attribution::Rule;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let spec = PartialSpec::Paths(PathOptions { lookback: 86_400, include_conversion: true, ..Default::default() });
    /// let cols = TouchpointColumns { customer: &[1, 1], time: &[0, 60], channel: &[0, 1], kind: &[1, 4],
    ///     value: &[0.0, 9.5], ..Default::default() };
    /// let a = Partial::from_touchpoints(&spec, &cols)?.attribute(&Rule::Linear)?;
    /// assert_eq!(a.conversions, [0.5, 0.5]);   // the purchase's channel counts as a touch here
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
        self.into_profiles()
    }

    /// The merged profiles of a `profiles` partial with a scorer: `config`
    /// must carry the partial's signals; `None` takes the default scoring
    /// with the partial's signals. This is how a store built on many machines
    /// comes back to one, ready to score.
    ///
    /// # Errors
    /// [`EngError::Incompatible`] for another kind of partial, or for a
    /// `config` whose signals are not the partial's; as [`Scorer::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let spec: PartialSpec = serde_json::from_str(r#"{"kind": "profiles", "signals": {"half_life_days": 7}}"#)?;
    /// let cols = TouchpointColumns { customer: &[3], time: &[0], channel: &[0], kind: &[4], value: &[2.0], ..Default::default() };
    /// let (store, scorer) = Partial::from_touchpoints(&spec, &cols)?.into_scored_store(None)?;
    /// assert_eq!(scorer.score_store(&store, 86_400)?.customer, [3]);
    /// assert!(Partial::from_touchpoints(&spec, &cols)?.into_scored_store(Some(Default::default())).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_scored_store(self, config: Option<ScoreConfig>) -> Result<(ProfileStore, Scorer)> {
        let profiles = self.into_profiles()?;
        let config = config.unwrap_or_else(|| ScoreConfig {
            signals: profiles.signals().config().clone(),
            ..ScoreConfig::default()
        });
        if &config.signals != profiles.signals().config() {
            return Err(EngError::Incompatible {
                reason: "the score configuration's signals differ from the partial's: give no \
                         configuration to score with the partial's own signals, or build every \
                         part with the configuration's signals"
                    .into(),
            });
        }
        let scorer = Scorer::new(config)?;
        let mut store = ProfileStore::with_signals(scorer.signals().clone());
        store.merge(&profiles)?;
        Ok((store, scorer))
    }

    fn into_profiles(self) -> Result<ProfileStore> {
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
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let bytes = Partial::new(&PartialSpec::Paths(PathOptions { lookback: 60, include_conversion: false, ..Default::default() }))?.to_bytes()?;
    /// assert_eq!(&bytes[..4], b"ENGP");
    /// assert!(Partial::from_bytes(&bytes[..bytes.len() - 1]).is_err());   // truncated
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let spec = serde_json::to_string(&self.spec)?;
        let payload = with_state!(&self.state, s => wire::postcard_bytes(&(spec, s.wire())))?;
        Ok(wire::frame(self.spec.kind(), &payload))
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
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let mut bytes = Partial::new(&PartialSpec::Paths(PathOptions { lookback: 60, include_conversion: false, ..Default::default() }))?.to_bytes()?;
    /// assert_eq!(Partial::from_bytes(&bytes)?.spec(), &PartialSpec::Paths(PathOptions { lookback: 60, include_conversion: false, ..Default::default() }));
    /// *bytes.last_mut().unwrap() ^= 1;
    /// assert_eq!(Partial::from_bytes(&bytes).unwrap_err().kind(), "corrupt");
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (kind, payload) = wire::unframe(bytes)?;
        with_kind!(kind, T, wrap => decode::<T>(kind, payload, wrap))
    }

    /// The JSON form: `{"format": 1, "spec": {…}, "state": {…}}`.
    ///
    /// # Errors
    /// [`EngError::Json`] if it cannot be written.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::attribution::PathOptions;
    /// use engagement_core::partial::{Partial, PartialSpec};
    /// let p = Partial::new(&PartialSpec::Paths(PathOptions { lookback: 60, include_conversion: false, ..Default::default() }))?;
    /// let json = p.to_json()?;
    /// assert!(json.starts_with(r#"{"format":1,"spec":{"kind":"paths","lookback":60}"#));
    /// assert_eq!(Partial::from_json(&json)?, p);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn to_json(&self) -> Result<String> {
        // Written directly, not through `serde_json::Value`, which cannot hold
        // the 128-bit fixed-point sums of profiles.
        let state = with_state!(&self.state, s => serde_json::to_string(&s.wire()))?;
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
        with_kind!(w.spec.kind(), T, wrap => {
            let read: <T as PartState>::Read = serde_json::from_str(state)?;
            checked::<T>(w.spec, read, wrap).map_err(|reason| EngError::Corrupt { reason })
        })
    }
}

/// The part of `spec` a state of type `T` reads.
fn config_of<T: PartState>(spec: &PartialSpec) -> Result<T::Config<'_>> {
    T::config(spec).ok_or_else(|| EngError::Incompatible {
        reason: "a partial whose state does not match its spec".into(),
    })
}

fn absorb<T: PartState>(a: &mut T, b: T) -> Result<()> {
    a.absorb(b)
}

fn finish<T: PartState>(s: &T, spec: &PartialSpec) -> Result<PartialResult> {
    s.finish(config_of::<T>(spec)?)
}

/// A partial from a decoded spec and state, after checking that they fit.
fn checked<T: PartState>(
    spec: PartialSpec,
    read: T::Read,
    wrap: fn(T) -> State,
) -> std::result::Result<Partial, String> {
    spec.validate()
        .map_err(|e| format!("its spec is invalid: {e}"))?;
    let config = T::config(&spec).ok_or("the state is of another kind than the spec")?;
    let state = wrap(T::checked(config, read)?);
    Ok(Partial { spec, state })
}

/// The partial of a binary payload of `kind`.
fn decode<T: PartState>(
    kind: PartialKind,
    payload: &[u8],
    wrap: fn(T) -> State,
) -> Result<Partial> {
    let corrupt = |reason: String| EngError::Corrupt { reason };
    let (spec, read): (String, T::Read) = postcard::from_bytes(payload)
        .map_err(|e| corrupt(format!("payload does not decode: {e}")))?;
    checked::<T>(wire::read_spec(&spec, kind)?, read, wrap).map_err(corrupt)
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
        let spec = PartialSpec::Paths(crate::journey::attribution::PathOptions {
            lookback: 86_400,
            ..Default::default()
        });
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
    fn retention_and_lifecycle_states_out_of_range_are_refused() {
        // Crafted states that pass the nesting checks but name periods before 1970, after
        // as_of or at the ends of i64 (whose finish would loop or overflow), or counts near
        // u64::MAX: refused when read, or summed without overflow.
        let life = r#"{"kind": "lifecycle", "config": {"as_of": 1700000000, "period": "day"}}"#;
        for periods in [
            "[[-1000000000000000, [1, 0, 0, 0]]]",
            "[[-9223372036854775808, [1, 0, 0, 0]]]",
            "[[19800, [1, 0, 0, 0]]]",
        ] {
            let json =
                format!(r#"{{"format": 1, "spec": {life}, "state": {{"periods": {periods}}}}}"#);
            assert_eq!(
                Partial::from_json(&json).unwrap_err().kind(),
                "corrupt",
                "{periods}"
            );
        }
        let huge = format!(
            r#"{{"format": 1, "spec": {life}, "state": {{"periods": [[19000, [18446744073709551615, 0, 1, 0]], [19001, [0, 1, 0, 1]]]}}}}"#
        );
        let p = Partial::from_json(&huge).unwrap();
        let Ok(PartialResult::Lifecycle(t)) = p.result() else {
            panic!("a lifecycle table")
        };
        assert_eq!(t.active[0], u64::MAX);
        let ret = r#"{"kind": "retention", "config": {"as_of": 1700000000, "periods": 1}}"#;
        for cohort in ["9223372036854775807", "-9223372036854775808", "20000"] {
            let json = format!(
                r#"{{"format": 1, "spec": {ret}, "state": {{"brackets": 1, "cohorts": [[{cohort}, {{"size": 1, "counted": [1], "retained": [1], "previous": [1], "kept": [1], "value": [0]}}]]}}}}"#
            );
            assert_eq!(
                Partial::from_json(&json).unwrap_err().kind(),
                "corrupt",
                "{cohort}"
            );
        }
        let cell = r#"{"size": 18446744073709551615, "counted": [18446744073709551615], "retained": [0], "previous": [0], "kept": [0], "value": [0]}"#;
        let json = format!(
            r#"{{"format": 1, "spec": {ret}, "state": {{"brackets": 1, "cohorts": [[19000, {cell}]]}}}}"#
        );
        let mut a = Partial::from_json(&json).unwrap();
        a.merge(Partial::from_json(&json).unwrap()).unwrap();
        let Ok(PartialResult::Retention(t)) = a.result() else {
            panic!("a retention table")
        };
        assert_eq!(t.total_counted, [u64::MAX]);
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
    fn event_paths_of_parts_with_their_own_dictionaries_merge_into_one_pass() {
        use crate::{EventColumn, EventDictionary};
        // Customers 1–3 on one machine, 4–6 on another; each interns the labels it meets.
        let rows: Vec<(u64, i64, &str)> = vec![
            (1, 0, "home"),
            (1, 60, "search"),
            (1, 60, "cart"),
            (2, 0, "search"),
            (2, 4000, "pay"),
            (3, 10, "ü"),
            (4, 0, "pay"),
            (4, 5, "home"),
            (5, 0, "cart"),
            (5, 1, "cart"),
            (6, 0, ""),
        ];
        let run = |rows: &[(u64, i64, &str)], spec: &PartialSpec| -> Partial {
            let mut d = EventDictionary::new();
            let labels: Vec<&str> = rows.iter().map(|r| r.2).collect();
            let codes = d.intern_all(&labels).unwrap();
            let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
            let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
            let cols = TouchpointColumns {
                customer: &customer,
                time: &time,
                ..Default::default()
            };
            let extras = FunnelExtras {
                events: Some(EventColumn::new(&codes, &d).unwrap()),
                ..Default::default()
            };
            Partial::from_touchpoints_with(spec, &cols, &extras).unwrap()
        };
        for config in [
            r#"{"kind": "event_paths"}"#,
            r#"{"kind": "event_paths", "config": {"per": "session", "collapse_repeats": true, "steps": 3, "step_flows": true}}"#,
        ] {
            let spec: PartialSpec = serde_json::from_str(config).unwrap();
            let whole = run(&rows, &spec);
            let mut merged = run(&rows[6..], &spec);
            merged
                .merge(Partial::from_bytes(&run(&rows[..6], &spec).to_bytes().unwrap()).unwrap())
                .unwrap();
            assert_eq!(merged, whole, "{config}");
            let Ok(PartialResult::EventPaths(p)) = merged.result() else {
                panic!("an event path analysis")
            };
            assert_eq!(p.labels[..3], ["", "cart", "home"]);
            assert_eq!(
                Partial::from_json(&merged.to_json().unwrap()).unwrap(),
                whole
            );
        }
    }

    #[test]
    fn attribution_by_event_of_parts_with_their_own_dictionaries_merges_into_one_pass() {
        use crate::journey::attribution::{PathOptions, attribute, paths_from_touchpoints_by};
        use crate::journey::paths::PathColumns;
        use crate::{EventColumn, EventDictionary};
        // (customer, time, label, purchase?, value); customers 1–3 on one machine, 4–5 on another.
        let rows: Vec<(u64, i64, &str, bool, f64)> = vec![
            (1, 0, "newsletter_42_open", false, 0.0),
            (1, 60, "pricing_page_view", false, 0.0),
            (1, 120, "order", true, 49.0),
            (2, 0, "pricing_page_view", false, 0.0),
            (2, 10, "order", true, 20.0),
            (3, 0, "ü_promo", false, 0.0),
            (4, 0, "newsletter_42_open", false, 0.0),
            (4, 30, "order", true, 15.5),
            (4, 40, "pricing_page_view", false, 0.0),
            (5, 0, "order", true, 7.0),
        ];
        let run = |rows: &[(u64, i64, &str, bool, f64)], spec: &PartialSpec| -> Partial {
            let mut d = EventDictionary::new();
            let labels: Vec<&str> = rows.iter().map(|r| r.2).collect();
            let codes = d.intern_all(&labels).unwrap();
            let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
            let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
            let kind: Vec<u8> = rows.iter().map(|r| if r.3 { 4 } else { 3 }).collect();
            let value: Vec<f64> = rows.iter().map(|r| r.4).collect();
            let cols = TouchpointColumns {
                customer: &customer,
                time: &time,
                channel: &vec![1; rows.len()],
                kind: &kind,
                value: &value,
                ..Default::default()
            };
            let events = Some(EventColumn::new(&codes, &d).unwrap());
            let extras = FunnelExtras {
                events,
                ..Default::default()
            };
            if rows.len() == 10 {
                // The one-pass answer, straight from the core.
                let options = match spec {
                    PartialSpec::Paths(o) => o,
                    _ => unreachable!(),
                };
                let extra = PathColumns {
                    events,
                    ..Default::default()
                };
                let p = paths_from_touchpoints_by(&cols, &extra, options).unwrap();
                assert_eq!(
                    p.channels,
                    [
                        "newsletter_42_open",
                        "pricing_page_view",
                        "order",
                        "ü_promo"
                    ]
                );
                let credit = attribute(&p, &crate::attribution::Rule::LastTouch).unwrap();
                assert_eq!(credit.value, [15.5, 69.0, 7.0, 0.0]);
            }
            Partial::from_touchpoints_with(spec, &cols, &extras).unwrap()
        };
        assert_eq!(crate::model::TouchpointKind::Purchase as u8, 4);
        let spec = PartialSpec::Paths(PathOptions {
            by: "event".parse().unwrap(),
            ..Default::default()
        });
        let whole = run(&rows, &spec);
        let mut merged = run(&rows[6..], &spec);
        merged
            .merge(Partial::from_bytes(&run(&rows[..6], &spec).to_bytes().unwrap()).unwrap())
            .unwrap();
        assert_eq!(merged, whole);
        assert_eq!(
            Partial::from_json(&merged.to_json().unwrap()).unwrap(),
            whole
        );
        let Ok(PartialResult::Paths(p)) = merged.result() else {
            panic!("attribution paths")
        };
        // Sorted paths, touches numbered as they first appear: [newsletter, pricing], [order]
        // (customer 5's direct purchase), [pricing], [pricing] (customer 4's lone touch after
        // buying, not converting), [ü_promo] (not converting).
        assert_eq!(p.conversions.iter().sum::<f64>(), 4.0);
        assert_eq!(p.nulls.iter().sum::<f64>(), 2.0);
        // Named otherwise than its spec (labels for a channel spec): refused.
        let channel = PartialSpec::Paths(PathOptions::default());
        let mut json: serde_json::Value = serde_json::from_str(&whole.to_json().unwrap()).unwrap();
        json["spec"] = serde_json::to_value(&channel).unwrap();
        assert_eq!(
            Partial::from_json(&json.to_string()).unwrap_err().kind(),
            "corrupt"
        );
    }

    #[test]
    fn a_channel_paths_partial_reads_and_writes_format_version_1_bytes() {
        // Version 1 held a path's channels as u8 codes and no labels.
        #[derive(serde::Serialize)]
        struct V1 {
            paths: Vec<(Vec<u8>, crate::journey::attribution::PathCount)>,
        }
        let spec = PartialSpec::Paths(crate::journey::attribution::PathOptions::default());
        let data = cols(
            &[1, 1, 2],
            &[0, 10, 5],
            &[0, 1, 2],
            &[3, 4, 3],
            &[0.0, 9.0, 0.0],
        );
        let p = Partial::from_touchpoints(&spec, &data).unwrap();
        let State::Paths(counts) = &p.state else {
            panic!("paths")
        };
        let v1 = V1 {
            paths: counts
                .paths
                .iter()
                .map(|(k, c)| (k.iter().map(|&x| x as u8).collect(), *c))
                .collect(),
        };
        let payload = [
            serde_json::to_string(&spec).unwrap().into_bytes(),
            postcard::to_allocvec(&v1).unwrap(),
        ];
        let bytes = p.to_bytes().unwrap();
        // The new writer's payload ends with exactly the version 1 state.
        assert!(bytes.ends_with(&payload[1]), "channel paths bytes changed");
        assert_eq!(Partial::from_bytes(&bytes).unwrap(), p);
    }

    #[test]
    fn merging_different_specs_leaves_self_unchanged() {
        let data = cols(&[1], &[0], &[0], &[4], &[1.0]);
        let mut a = Partial::from_touchpoints(
            &PartialSpec::Paths(crate::journey::attribution::PathOptions {
                lookback: 60,
                ..Default::default()
            }),
            &data,
        )
        .unwrap();
        let before = a.clone();
        let b = Partial::from_touchpoints(
            &PartialSpec::Paths(crate::journey::attribution::PathOptions {
                lookback: 61,
                ..Default::default()
            }),
            &data,
        )
        .unwrap();
        assert_eq!(a.merge(b).unwrap_err().kind(), "incompatible");
        assert_eq!(a, before);
    }

    mod merged_equals_single_pass {
        use proptest::prelude::*;

        use super::super::*;
        use crate::model::{Code, RatingScale, Touchpoint, TouchpointKind, TouchpointTable};
        use crate::profile::Profile;
        use crate::score::Proportion;

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
                r#"{"kind": "event_paths", "config": {"by": "channel:kind", "steps": 3, "path_length": 3}}"#,
                r#"{"kind": "event_paths", "config": {"by": "kind", "per": "session", "session": {"gap": 86400},
                    "collapse_repeats": true}}"#,
                r#"{"kind": "retention", "config": {"as_of": 1750000000, "period": "month", "periods": 12,
                    "start": {"kinds": ["visit", "open"]}, "return": {"kinds": ["purchase"]}}}"#,
                r#"{"kind": "retention", "config": {"as_of": 1800000000, "period": "week", "windows": "rolling",
                    "brackets": [[1, 2], [3, 30]], "mode": "unbounded", "start_occurrence": "recurring",
                    "min_occurrences": 2, "utc_offset": -18000, "censor": false}}"#,
                r#"{"kind": "lifecycle", "config": {"as_of": 1790000000, "period": "month",
                    "activity": {"kinds": ["purchase", "visit"]}}}"#,
                r#"{"kind": "lifecycle", "config": {"as_of": 1800000000, "period": "week", "utc_offset": 19800}}"#,
                r#"{"kind": "stickiness", "config": {"as_of": 1790000000, "period": "month",
                    "activity": {"kinds": ["visit", "open"]}, "utc_offset": -3600}}"#,
                r#"{"kind": "experiment", "arms": ["control", "b"],
                    "assignment": {"customer": [1, 2, 3, 4, 5, 6, 9], "arm": ["control", "b", "control", "b", "control", "b", "b"],
                                   "exposed_at": [1650000000, 1650000000, 1700000000, 1600000000, 1780000000, 1720000000, 1700000000]},
                    "spec": {"as_of": 1760000000, "metrics": [
                        {"name": "bought", "measure": {"type": "conversion", "match": {"kinds": ["purchase"]}}, "window": 31536000},
                        {"name": "revenue", "measure": {"type": "value", "match": {"kinds": ["purchase"]}}, "pre_period": 63072000},
                        {"name": "per_session", "measure": {"type": "ratio", "numerator": {"type": "count"},
                            "denominator": {"type": "sessions", "gap": 86400}}, "pre_period": 31536000},
                        {"name": "day_30", "measure": {"type": "retained", "day": 30}}]}}"#,
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
                PartialSpec::Paths(options) => PartialResult::Paths(
                    crate::journey::attribution::paths_from_touchpoints_with(&cols, options)?,
                ),
                PartialSpec::EventPaths { config } => PartialResult::EventPaths(
                    crate::journey::paths::path_analysis(&cols, &Default::default(), config)?,
                ),
                PartialSpec::Retention { config } => PartialResult::Retention(
                    crate::retention::returning::retention(&cols, &Default::default(), config)?,
                ),
                PartialSpec::Lifecycle { config } => PartialResult::Lifecycle(
                    crate::retention::lifecycle::lifecycle(&cols, &Default::default(), config)?,
                ),
                PartialSpec::Stickiness { config } => PartialResult::Stickiness(
                    crate::retention::stickiness::stickiness(&cols, &Default::default(), config)?,
                ),
                PartialSpec::Experiment {
                    spec,
                    assignment,
                    arms,
                } => {
                    let (codes, names) = assignment.coded(arms)?;
                    let a = crate::experiment::Assignment {
                        customer: &assignment.customer,
                        arm: &codes,
                        exposed_at: &assignment.exposed_at,
                    };
                    PartialResult::Experiment(crate::experiment::experiment_readout(
                        &cols,
                        &Default::default(),
                        &a,
                        &names,
                        spec,
                    )?)
                }
            })
        }
    }
}
