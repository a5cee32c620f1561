//! The kinds of partial, each as one implementation of [`PartState`]: which
//! part of the spec it reads, how it is built from touchpoints, merged,
//! written, checked when read back, and finished into a result.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Result;
use crate::journey::attribution::{PathCounts, PathOptions};
use crate::journey::funnel::{Funnel, FunnelExtras, Tally};
use crate::journey::paths::{PathColumns, PathConfig, PathState};
use crate::journey::transitions::{SequenceConfig, SequenceCounts};
use crate::model::TouchpointColumns;
use crate::partial::PartialResult;
use crate::partial::metrics::{MetricCounts, metric_counts, metrics_summary};
use crate::partial::spec::{CohortActivity, ConversionKinds, PartialSpec};
use crate::partial::wire;
use crate::profile::{Profile, ProfileStore};
use crate::retention::cohort::{CohortConfig, CohortCounts};
use crate::score::SignalConfig;

/// The protocol every kind of partial state follows. The dispatch over kinds
/// in [`Partial`](super::Partial) is one generic call per operation.
pub(crate) trait PartState: Sized {
    /// What the state reads of its spec.
    type Config<'a>: Copy;
    /// The serialized shape it writes (borrowing the state where it can).
    type Wire<'a>: Serialize
    where
        Self: 'a;
    /// The serialized shape it reads.
    type Read: DeserializeOwned;

    /// The state's part of `spec`, or `None` for a spec of another kind.
    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>>;
    /// The state of no data.
    fn empty(config: Self::Config<'_>) -> Result<Self>;
    /// The state of one part of the touchpoints.
    fn of_touchpoints(
        config: Self::Config<'_>,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self>;
    /// Adds `other`, a state of the same spec.
    fn absorb(&mut self, other: Self) -> Result<()>;
    /// The shape written to the wire.
    fn wire(&self) -> Self::Wire<'_>;
    /// The state read from the wire, after checking that it fits the spec.
    fn checked(config: Self::Config<'_>, read: Self::Read) -> std::result::Result<Self, String>;
    /// The finished result.
    fn finish(&self, config: Self::Config<'_>) -> Result<PartialResult>;
}

impl PartState for Box<ProfileStore> {
    type Config<'a> = &'a SignalConfig;
    type Wire<'a> = Vec<&'a Profile>;
    type Read = Vec<Profile>;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Profiles { signals } => Some(signals),
            _ => None,
        }
    }
    fn empty(signals: &SignalConfig) -> Result<Self> {
        Ok(Box::new(ProfileStore::new(signals.clone())?))
    }
    fn of_touchpoints(
        signals: &SignalConfig,
        cols: &TouchpointColumns<'_>,
        _: &FunnelExtras<'_>,
    ) -> Result<Self> {
        Ok(Box::new(ProfileStore::from_columns(signals.clone(), cols)?))
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        ProfileStore::merge(self, &other)
    }
    fn wire(&self) -> Vec<&Profile> {
        self.iter().collect()
    }
    fn checked(
        signals: &SignalConfig,
        profiles: Vec<Profile>,
    ) -> std::result::Result<Self, String> {
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
        Ok(Box::new(store))
    }
    fn finish(&self, _: &SignalConfig) -> Result<PartialResult> {
        Ok(PartialResult::Profiles {
            profiles: self.iter().map(Profile::summary).collect(),
        })
    }
}

impl PartState for MetricCounts {
    type Config<'a> = (f64, Option<&'a ConversionKinds>);
    type Wire<'a> = &'a MetricCounts;
    type Read = MetricCounts;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Metrics { level, conversion } => Some((*level, conversion.as_ref())),
            _ => None,
        }
    }
    fn empty(_: Self::Config<'_>) -> Result<Self> {
        Ok(MetricCounts::default())
    }
    fn of_touchpoints(
        (_, conversion): Self::Config<'_>,
        cols: &TouchpointColumns<'_>,
        _: &FunnelExtras<'_>,
    ) -> Result<Self> {
        metric_counts(cols, conversion)
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        MetricCounts::merge(self, &other);
        Ok(())
    }
    fn wire(&self) -> &MetricCounts {
        self
    }
    fn checked(_: Self::Config<'_>, read: MetricCounts) -> std::result::Result<Self, String> {
        Ok(read)
    }
    fn finish(&self, (level, _): Self::Config<'_>) -> Result<PartialResult> {
        Ok(PartialResult::Metrics(metrics_summary(self, level)?))
    }
}

impl PartState for Tally {
    type Config<'a> = &'a Funnel;
    type Wire<'a> = &'a Tally;
    type Read = Tally;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Funnel { funnel } => Some(funnel),
            _ => None,
        }
    }
    fn empty(funnel: &Funnel) -> Result<Self> {
        Ok(Tally::new(funnel.steps.len()))
    }
    fn of_touchpoints(
        funnel: &Funnel,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self> {
        crate::journey::funnel::tally(cols, extras, funnel)
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        Tally::merge(self, other);
        Ok(())
    }
    fn wire(&self) -> &Tally {
        self
    }
    fn checked(funnel: &Funnel, read: Tally) -> std::result::Result<Self, String> {
        read.check(funnel.steps.len())?;
        Ok(read)
    }
    fn finish(&self, funnel: &Funnel) -> Result<PartialResult> {
        Ok(PartialResult::Funnel(Tally::finish(self, funnel)?))
    }
}

impl PartState for SequenceCounts {
    type Config<'a> = &'a SequenceConfig;
    type Wire<'a> = wire::Sequences;
    type Read = wire::Sequences;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Sequences { config } => Some(config),
            _ => None,
        }
    }
    fn empty(config: &SequenceConfig) -> Result<Self> {
        Ok(SequenceCounts::new(config))
    }
    fn of_touchpoints(
        config: &SequenceConfig,
        cols: &TouchpointColumns<'_>,
        _: &FunnelExtras<'_>,
    ) -> Result<Self> {
        crate::journey::transitions::sequence_counts(cols, config)
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        SequenceCounts::merge(self, other);
        Ok(())
    }
    fn wire(&self) -> wire::Sequences {
        wire::Sequences::from(self)
    }
    fn checked(config: &SequenceConfig, s: wire::Sequences) -> std::result::Result<Self, String> {
        let s = SequenceCounts {
            counts: s.counts,
            at_step: s.at_step,
            paths: wire::sorted_map(s.paths)?,
            customers: s.customers,
        };
        s.check(config)?;
        Ok(s)
    }
    fn finish(&self, config: &SequenceConfig) -> Result<PartialResult> {
        Ok(PartialResult::Sequences(SequenceCounts::finish(
            self, config,
        )?))
    }
}

impl PartState for CohortCounts {
    type Config<'a> = (i64, &'a CohortConfig, CohortActivity);
    type Wire<'a> = wire::Cohorts;
    type Read = wire::Cohorts;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Cohorts {
                as_of,
                config,
                activity,
            } => Some((*as_of, config, *activity)),
            _ => None,
        }
    }
    fn empty(_: Self::Config<'_>) -> Result<Self> {
        Ok(CohortCounts::default())
    }
    fn of_touchpoints(
        (as_of, config, activity): Self::Config<'_>,
        cols: &TouchpointColumns<'_>,
        _: &FunnelExtras<'_>,
    ) -> Result<Self> {
        crate::retention::cohort::cohort_counts_of_touchpoints(
            cols,
            as_of,
            config,
            activity == CohortActivity::Any,
        )
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        CohortCounts::merge(self, other);
        Ok(())
    }
    fn wire(&self) -> wire::Cohorts {
        wire::Cohorts::from(self)
    }
    fn checked(
        (as_of, config, _): Self::Config<'_>,
        c: wire::Cohorts,
    ) -> std::result::Result<Self, String> {
        let c = CohortCounts {
            cohorts: wire::sorted_map(c.cohorts)?,
        };
        c.check(as_of, config)?;
        Ok(c)
    }
    fn finish(&self, (as_of, config, _): Self::Config<'_>) -> Result<PartialResult> {
        Ok(PartialResult::Cohorts(CohortCounts::finish(
            self, as_of, config,
        )?))
    }
}

impl PartState for PathCounts {
    type Config<'a> = &'a PathOptions;
    type Wire<'a> = wire::Paths;
    type Read = wire::Paths;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Paths(options) => Some(options),
            _ => None,
        }
    }
    fn empty(_: &PathOptions) -> Result<Self> {
        Ok(PathCounts::default())
    }
    fn of_touchpoints(
        options: &PathOptions,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self> {
        let extra = crate::journey::paths::PathColumns {
            events: extras.events,
            campaign: extras.campaign,
            session: &[],
        };
        crate::journey::attribution::path_counts(cols, &extra, options)
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        PathCounts::merge(self, other);
        Ok(())
    }
    fn wire(&self) -> wire::Paths {
        wire::Paths::from(self)
    }
    fn checked(options: &PathOptions, p: wire::Paths) -> std::result::Result<Self, String> {
        if p.labels.is_empty() != (options.by == crate::journey::paths::Dimension::channel())
            && !p.paths.is_empty()
        {
            return Err("touches named otherwise than the spec's dimension".into());
        }
        let p = PathCounts {
            labels: p.labels,
            paths: wire::sorted_map(p.paths)?,
        };
        p.check()?;
        Ok(p)
    }
    fn finish(&self, _: &PathOptions) -> Result<PartialResult> {
        Ok(PartialResult::Paths(PathCounts::finish(self)?))
    }
}

impl PartState for PathState {
    type Config<'a> = &'a PathConfig;
    type Wire<'a> = wire::EventPaths;
    type Read = wire::EventPaths;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::EventPaths { config } => Some(config),
            _ => None,
        }
    }
    fn empty(config: &PathConfig) -> Result<Self> {
        Ok(PathState::with_steps(config.steps as usize))
    }
    fn of_touchpoints(
        config: &PathConfig,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self> {
        let extra = PathColumns {
            events: extras.events,
            campaign: extras.campaign,
            session: extras.session,
        };
        crate::journey::paths::path_state(cols, &extra, config)
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        PathState::merge(self, other);
        Ok(())
    }
    fn wire(&self) -> wire::EventPaths {
        wire::EventPaths::from(self)
    }
    fn checked(config: &PathConfig, p: wire::EventPaths) -> std::result::Result<Self, String> {
        let p = p.into_state()?;
        p.check(config)?;
        Ok(p)
    }
    fn finish(&self, config: &PathConfig) -> Result<PartialResult> {
        Ok(PartialResult::EventPaths(PathState::finish(self, config)?))
    }
}

impl PartState for crate::retention::returning::RetentionCounts {
    type Config<'a> = &'a crate::retention::returning::RetentionConfig;
    type Wire<'a> = wire::Retention;
    type Read = wire::Retention;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Retention { config } => Some(config),
            _ => None,
        }
    }
    fn empty(config: Self::Config<'_>) -> Result<Self> {
        Ok(Self::new(config.brackets()?.len()))
    }
    fn of_touchpoints(
        config: Self::Config<'_>,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self> {
        let extra = PathColumns {
            events: extras.events,
            campaign: extras.campaign,
            session: &[],
        };
        crate::retention::returning::retention_counts(cols, &extra, config).map(|(c, _)| c)
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        Self::merge(self, other);
        Ok(())
    }
    fn wire(&self) -> wire::Retention {
        wire::Retention::from(self)
    }
    fn checked(config: Self::Config<'_>, r: wire::Retention) -> std::result::Result<Self, String> {
        let c = Self {
            brackets: r.brackets,
            cohorts: wire::sorted_map(r.cohorts)?,
            return_seen: r.return_seen,
        };
        c.check(config, config.as_of.unwrap_or(crate::model::MIN_TIME))?;
        Ok(c)
    }
    fn finish(&self, config: Self::Config<'_>) -> Result<PartialResult> {
        // The spec's validation made as_of given.
        let as_of = config.as_of.unwrap_or(crate::model::MIN_TIME);
        Ok(PartialResult::Retention(Self::finish(self, config, as_of)?))
    }
}

impl PartState for crate::retention::lifecycle::LifecycleCounts {
    type Config<'a> = &'a crate::retention::lifecycle::LifecycleConfig;
    type Wire<'a> = wire::Lifecycle;
    type Read = wire::Lifecycle;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Lifecycle { config } => Some(config),
            _ => None,
        }
    }
    fn empty(_: Self::Config<'_>) -> Result<Self> {
        Ok(Self::default())
    }
    fn of_touchpoints(
        config: Self::Config<'_>,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self> {
        let extra = PathColumns {
            events: extras.events,
            campaign: extras.campaign,
            session: &[],
        };
        crate::retention::lifecycle::lifecycle_counts(cols, &extra, config).map(|(c, _)| c)
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        Self::merge(self, other);
        Ok(())
    }
    fn wire(&self) -> wire::Lifecycle {
        wire::Lifecycle::from(self)
    }
    fn checked(config: Self::Config<'_>, r: wire::Lifecycle) -> std::result::Result<Self, String> {
        let c = Self {
            periods: wire::sorted_map(r.periods)?,
        };
        c.check(config, config.as_of.unwrap_or(crate::model::MIN_TIME))?;
        Ok(c)
    }
    fn finish(&self, config: Self::Config<'_>) -> Result<PartialResult> {
        // The spec's validation made as_of given.
        let as_of = config.as_of.unwrap_or(crate::model::MIN_TIME);
        Ok(PartialResult::Lifecycle(Self::finish(self, config, as_of)?))
    }
}

impl PartState for crate::retention::stickiness::StickinessCounts {
    type Config<'a> = &'a crate::retention::stickiness::StickinessConfig;
    type Wire<'a> = wire::Stickiness;
    type Read = wire::Stickiness;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Stickiness { config } => Some(config),
            _ => None,
        }
    }
    fn empty(_: Self::Config<'_>) -> Result<Self> {
        Ok(Self::default())
    }
    fn of_touchpoints(
        config: Self::Config<'_>,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self> {
        let extra = PathColumns {
            events: extras.events,
            campaign: extras.campaign,
            session: &[],
        };
        crate::retention::stickiness::stickiness_counts(cols, &extra, config).map(|(c, _)| c)
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        Self::merge(self, other);
        Ok(())
    }
    fn wire(&self) -> wire::Stickiness {
        wire::Stickiness::from(self)
    }
    fn checked(config: Self::Config<'_>, r: wire::Stickiness) -> std::result::Result<Self, String> {
        let c = Self {
            days: wire::sorted_map(r.days)?,
            periods: wire::sorted_map(r.periods)?,
        };
        c.check(config, config.as_of.unwrap_or(crate::model::MIN_TIME))?;
        Ok(c)
    }
    fn finish(&self, config: Self::Config<'_>) -> Result<PartialResult> {
        // The spec's validation made as_of given.
        let as_of = config.as_of.unwrap_or(crate::model::MIN_TIME);
        Ok(PartialResult::Stickiness(Self::finish(
            self, config, as_of,
        )?))
    }
}

impl PartState for crate::experiment::ExperimentValues {
    type Config<'a> = (
        &'a crate::experiment::ExperimentSpec,
        &'a crate::experiment::AssignmentTable,
        &'a [String],
    );
    type Wire<'a> = &'a Self;
    type Read = Self;

    fn config(spec: &PartialSpec) -> Option<Self::Config<'_>> {
        match spec {
            PartialSpec::Experiment {
                spec,
                assignment,
                arms,
            } => Some((spec, assignment, arms)),
            _ => None,
        }
    }
    fn empty((spec, _, _): Self::Config<'_>) -> Result<Self> {
        Ok(Self::none(spec))
    }
    fn of_touchpoints(
        (spec, table, arms): Self::Config<'_>,
        cols: &TouchpointColumns<'_>,
        extras: &FunnelExtras<'_>,
    ) -> Result<Self> {
        let extra = PathColumns {
            events: extras.events,
            campaign: extras.campaign,
            session: &[],
        };
        Self::of_part(cols, &extra, table, arms, spec)
    }
    fn absorb(&mut self, other: Self) -> Result<()> {
        Self::merge_part(self, other)
    }
    fn wire(&self) -> &Self {
        self
    }
    fn checked(
        (spec, table, _): Self::Config<'_>,
        read: Self,
    ) -> std::result::Result<Self, String> {
        read.check(table, spec)?;
        Ok(read)
    }
    fn finish(&self, (spec, table, arms): Self::Config<'_>) -> Result<PartialResult> {
        Ok(PartialResult::Experiment(Self::readout(
            self, table, arms, spec,
        )?))
    }
}
