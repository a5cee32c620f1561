//! Journeys followed day by day: a [`JourneyState`] takes each day's
//! touchpoints (and loyalty redemptions), keeps per customer only what later
//! days can still change, saves and loads like a profile store, and answers
//! with the results a full recompute over every day would give.
//!
//! | analysis | configured by | result | equal to |
//! |---|---|---|---|
//! | `stages` | a [`StageConfig`] | [`StageHistory`] up to `until` | [`StageRules::history`] |
//! | `loyalty` | a [`LoyaltyConfig`] | [`LoyaltyReport`] at `as_of` | [`run_loyalty`] |
//! | `funnel` | a [`Funnel`] (steps by kind and channel, per customer) | [`FunnelResult`] | [`run_funnel`] |
//! | `cohorts` | `{"config": CohortConfig, "activity": "purchases" \| "any"}` | [`CohortTable`] at `as_of` | [`cohorts`] of the purchases (or every touchpoint) |
//! | `paths` | [`PathOptions`] by channel | attribution [`Paths`] | [`paths_from_touchpoints_with`] |
//!
//! Each customer's touchpoints must come in time order across pushes: a
//! push may hold a customer's touchpoints in any order, but none at or
//! before a time of theirs already pushed (a late touchpoint is refused,
//! and the state is unchanged; rebuild from the export to add it).
//!
//! What is kept per customer: the stage profile and entries, the loyalty
//! ledger and tier changes, the funnel rows within one window of the first
//! attempt still open, the cohort and last active period, the touches since
//! the last purchase within the lookback. Cohort and path counts are kept
//! summed.
//!
//! # Examples
//!
//! ```
//! use engagement_core::{JourneyState, JourneyStateConfig, RedemptionColumns, StageRules, TouchpointColumns};
//! let day = 86_400;
//! let config: JourneyStateConfig = serde_json::from_str(r#"{"stages": {}, "loyalty": {},
//!     "funnel": {"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}]}}"#)?;
//! let mut state = JourneyState::new(config.clone())?;
//! // Monday, then Tuesday (saved and loaded in between, as a nightly job would).
//! let monday = TouchpointColumns { customer: &[1, 2], time: &[0, 0], channel: &[1, 1], kind: &[3, 3], ..Default::default() };
//! let tuesday = TouchpointColumns { customer: &[1], time: &[day], channel: &[1], kind: &[4], value: &[600.0], ..Default::default() };
//! state.push(&monday, &RedemptionColumns::default())?;
//! let mut state = JourneyState::from_bytes(&state.to_bytes()?)?;
//! state.push(&tuesday, &RedemptionColumns::default())?;
//! assert_eq!(state.funnel()?.customers, [2, 1]);
//! // The same as replaying both days at once.
//! let all = TouchpointColumns { customer: &[1, 2, 1], time: &[0, 0, day], channel: &[1, 1, 1],
//!     kind: &[3, 3, 4], value: &[0.0, 0.0, 600.0], ..Default::default() };
//! let rules = StageRules::new(config.stages.clone().unwrap())?;
//! assert_eq!(state.stage_history(400 * day)?, rules.history(&all, 400 * day)?);
//! assert_eq!(state.loyalty(2 * day)?.accounts.balance, [600, 0]);
//! // A touchpoint before what customer 1 already has is refused, and nothing changes.
//! let late = TouchpointColumns { customer: &[1], time: &[day / 2], channel: &[1], kind: &[1], ..Default::default() };
//! assert_eq!(state.push(&late, &RedemptionColumns::default()).unwrap_err().kind(), "invalid_input");
//! assert_eq!(state.funnel()?.customers, [2, 1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::journey::attribution::{
    PURCHASE, PathCount, PathCounts, PathOptions, Paths, follow_paths, open_path,
};
use crate::journey::funnel::{Funnel, FunnelFollower, FunnelResult, FunnelTrack};
use crate::journey::history::{StageHistory, StageTrack, stage_signals};
use crate::journey::stages::{StageConfig, StageRules};
use crate::model::time::IntoTime;
use crate::model::{Code, TouchpointColumns, TouchpointKind};
use crate::partial::CohortActivity;
use crate::persist::{corrupt, frame, read_file, unframe, write_file};
use crate::profile::signals::Signals;
use crate::retention::cohort::{CohortConfig, CohortCounts, CohortTable, follow_cohort};
use crate::segment::loyalty::{
    Event, Ledger, LoyaltyConfig, LoyaltyReport, Programme, RedemptionColumns, TierHistory,
    check_redemptions,
};
#[cfg(doc)]
use crate::{
    journey::attribution::paths_from_touchpoints_with, journey::funnel::run_funnel,
    retention::cohort::cohorts, segment::loyalty::run_loyalty,
};

/// The cohorts a [`JourneyState`] counts.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::state::CohortFollow;
/// let c: CohortFollow = serde_json::from_str(r#"{"config": {"period": "week"}, "activity": "any"}"#)?;
/// assert_eq!(c.config.max_periods, 36);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortFollow {
    /// Period and width of the table.
    #[serde(default)]
    pub config: CohortConfig,
    /// Which touchpoints are activity: purchases (cohorts by first purchase,
    /// the default) or any (by first touch; revenue from purchases).
    #[serde(default)]
    pub activity: CohortActivity,
}

/// What a [`JourneyState`] follows: any of the analyses, each with its
/// configuration (at least one).
///
/// # Examples
///
/// ```
/// use engagement_core::JourneyStateConfig;
/// let c: JourneyStateConfig = serde_json::from_str(r#"{"stages": {}, "paths": {"lookback": 604800}}"#)?;
/// assert!(c.stages.is_some() && c.loyalty.is_none());
/// assert!(serde_json::from_str::<JourneyStateConfig>(r#"{"stage": {}}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JourneyStateConfig {
    /// Stage history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<StageConfig>,
    /// A loyalty programme (points, expiry, tiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loyalty: Option<LoyaltyConfig>,
    /// A funnel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funnel: Option<Funnel>,
    /// Acquisition cohorts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cohorts: Option<CohortFollow>,
    /// Attribution paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<PathOptions>,
}

impl JourneyStateConfig {
    /// Checks every analysis' configuration, and that there is one.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the field (`funnel.steps` …).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::JourneyStateConfig;
    /// assert_eq!(JourneyStateConfig::default().validate().unwrap_err().kind(), "config");
    /// ```
    pub fn validate(&self) -> Result<()> {
        Compiled::new(self).map(|_| ())
    }
}

/// The parts of a configuration compiled once.
#[derive(Debug, Clone)]
struct Compiled {
    stages: Option<(StageRules, Signals)>,
    funnel: Option<FunnelFollower>,
}

fn prefixed(e: EngError, prefix: &str) -> EngError {
    match e {
        EngError::Config { field, reason } if !field.starts_with(prefix) => EngError::Config {
            field: format!("{prefix}.{field}"),
            reason,
        },
        e => e,
    }
}

impl Compiled {
    fn new(config: &JourneyStateConfig) -> Result<Self> {
        let JourneyStateConfig {
            stages,
            loyalty,
            funnel,
            cohorts,
            paths,
        } = config;
        crate::error::ensure_config!(
            stages.is_some()
                || loyalty.is_some()
                || funnel.is_some()
                || cohorts.is_some()
                || paths.is_some(),
            "config",
            "a journey state follows at least one of stages, loyalty, funnel, cohorts, paths"
        );
        if let Some(l) = loyalty {
            l.validate().map_err(|e| prefixed(e, "loyalty"))?;
        }
        if let Some(c) = cohorts {
            c.config.validate().map_err(|e| prefixed(e, "cohorts"))?;
        }
        if let Some(p) = paths {
            crate::journey::attribution::check_lookback(p.lookback)
                .map_err(|e| prefixed(e, "paths"))?;
            crate::error::ensure_config!(
                p.by == PathOptions::default().by,
                "paths.by",
                "a journey state names touches by channel (events and campaigns are not kept): run paths_from_touchpoints_by over the export"
            );
        }
        let stages = match stages {
            Some(c) => Some((
                StageRules::new(c.clone()).map_err(|e| prefixed(e, "stages"))?,
                stage_signals()?,
            )),
            None => None,
        };
        let funnel = match funnel {
            Some(f) => Some(FunnelFollower::new(f).map_err(|e| prefixed(e, "funnel"))?),
            None => None,
        };
        Ok(Compiled { stages, funnel })
    }
}

/// One customer's state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Track {
    /// The latest time pushed for the customer (touchpoint or redemption).
    last: i64,
    stage: Option<StageTrack>,
    loyalty: Option<(Ledger, TierHistory)>,
    funnel: Option<FunnelTrack>,
    /// Acquisition period and last period counted active.
    cohort: Option<(i64, i64)>,
    /// Touches since the last purchase, within the lookback of the latest time.
    path: Vec<(i64, u32)>,
}

/// Journeys followed day by day (see [the module](self)).
#[derive(Debug, Clone)]
pub struct JourneyState {
    config: JourneyStateConfig,
    compiled: Compiled,
    customers: BTreeMap<u64, Track>,
    cohorts: CohortCounts,
    paths: PathCounts,
    /// The latest time pushed, and a customer it belongs to.
    latest: Option<(i64, u64)>,
}

impl PartialEq for JourneyState {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
            && self.customers == other.customers
            && self.cohorts == other.cohorts
            && self.paths == other.paths
            && self.latest == other.latest
    }
}

impl JourneyState {
    /// An empty state following what `config` names.
    ///
    /// # Errors
    /// [`EngError::Config`] as [`JourneyStateConfig::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyState, JourneyStateConfig};
    /// let s = JourneyState::new(serde_json::from_str::<JourneyStateConfig>(r#"{"cohorts": {}}"#)?)?;
    /// assert_eq!(s.customers(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: JourneyStateConfig) -> Result<Self> {
        let compiled = Compiled::new(&config)?;
        Ok(JourneyState {
            config,
            compiled,
            customers: BTreeMap::new(),
            cohorts: CohortCounts::default(),
            paths: PathCounts::default(),
            latest: None,
        })
    }

    /// An empty state from its configuration as JSON.
    ///
    /// # Errors
    /// [`EngError::Config`] for JSON that is not a configuration (naming the
    /// path of the bad field) or one [`JourneyStateConfig::validate`] refuses.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::JourneyState;
    /// assert!(JourneyState::from_json(r#"{"loyalty": {"expiry_days": 90}}"#).is_ok());
    /// assert!(JourneyState::from_json(r#"{"loyalty": {"expiry": 90}}"#).is_err());
    /// ```
    pub fn from_json(config: &str) -> Result<Self> {
        JourneyState::new(crate::limits::from_json(config)?)
    }

    /// What the state follows.
    pub fn config(&self) -> &JourneyStateConfig {
        &self.config
    }

    /// Customers with at least one touchpoint or redemption pushed.
    pub fn customers(&self) -> usize {
        self.customers.len()
    }

    /// The latest time pushed (Unix seconds), `None` before the first push.
    pub fn latest_time(&self) -> Option<i64> {
        self.latest.map(|l| l.0)
    }

    /// Adds a day's touchpoints and redemptions (any order; each customer's
    /// later than their touchpoints and redemptions pushed before).
    ///
    /// # Errors
    /// As [`TouchpointColumns::validate`]; [`EngError::LengthMismatch`] /
    /// [`EngError::InvalidInput`] for redemption columns (as [`run_loyalty`]);
    /// [`EngError::Config`] for redemptions without a loyalty programme;
    /// [`EngError::InvalidInput`] naming the row of a touchpoint or
    /// redemption at or before a time of its customer's already pushed. On
    /// any error the state is unchanged.
    pub fn push(
        &mut self,
        touchpoints: &TouchpointColumns<'_>,
        redemptions: &RedemptionColumns<'_>,
    ) -> Result<()> {
        let n = touchpoints.validate()?;
        let m = check_redemptions(redemptions)?;
        crate::error::ensure_config!(
            m == 0 || self.config.loyalty.is_some(),
            "redemptions",
            "redemptions are read by a loyalty programme: this state has none (add \"loyalty\" to its configuration)"
        );
        let order = |field: &str, i: usize, customer: u64, t: i64| -> Result<()> {
            match self.customers.get(&customer) {
                Some(track) if t <= track.last => Err(EngError::invalid(
                    field,
                    t,
                    format!(
                        "customer {customer} has touchpoints or redemptions up to {} in the state already (was this \
                         day pushed before?): each customer's touchpoints and redemptions must come later than \
                         those pushed before; rebuild the state from the export to add late ones",
                        track.last
                    ),
                )
                .at_row(i)),
                _ => Ok(()),
            }
        };
        for i in 0..n {
            order("time", i, touchpoints.customer[i], touchpoints.time[i])?;
        }
        for i in 0..m {
            order(
                "redemptions.time",
                i,
                redemptions.customer[i],
                redemptions.time[i],
            )?;
        }
        // Every touchpoint in journey order (customer, time, then content).
        let records = touchpoints.journey_records(&Default::default(), |_| Some(0))?;
        let mut reds: Vec<usize> = (0..m).collect();
        reds.sort_unstable_by_key(|&i| (redemptions.customer[i], redemptions.time[i]));
        // The customers' new tracks and the counts they add, built aside: an
        // error leaves the state as it was.
        let mut updates: Vec<(u64, Track)> = Vec::new();
        let mut cohorts = CohortCounts::default();
        let mut paths = PathCounts::default();
        let (mut r, mut d) = (0, 0);
        let mut rows: Vec<usize> = Vec::new();
        while r < records.len() || d < reds.len() {
            let customer = match (records.get(r), reds.get(d)) {
                (Some(a), Some(&b)) => a.customer.min(redemptions.customer[b]),
                (Some(a), None) => a.customer,
                (None, Some(&b)) => redemptions.customer[b],
                (None, None) => break,
            };
            rows.clear();
            while r < records.len() && records[r].customer == customer {
                rows.push(records[r].row as usize);
                r += 1;
            }
            let start = d;
            while d < reds.len() && redemptions.customer[reds[d]] == customer {
                d += 1;
            }
            let mut track = self.customers.get(&customer).cloned().unwrap_or_default();
            self.follow(
                &mut track,
                customer,
                touchpoints,
                &rows,
                redemptions,
                &reds[start..d],
                &mut cohorts,
                &mut paths,
            )?;
            updates.push((customer, track));
        }
        let latest = (0..n)
            .map(|i| (touchpoints.time[i], touchpoints.customer[i]))
            .chain((0..m).map(|i| (redemptions.time[i], redemptions.customer[i])))
            .max();
        for (customer, track) in updates {
            self.customers.insert(customer, track);
        }
        self.cohorts.merge(cohorts);
        self.paths.merge(paths);
        self.latest = self.latest.max(latest);
        Ok(())
    }

    /// Moves one customer's track over their next touchpoints (`rows`, in
    /// journey order) and redemptions.
    #[allow(clippy::too_many_arguments)]
    fn follow(
        &self,
        track: &mut Track,
        customer: u64,
        cols: &TouchpointColumns<'_>,
        rows: &[usize],
        redemptions: &RedemptionColumns<'_>,
        reds: &[usize],
        cohorts: &mut CohortCounts,
        paths: &mut PathCounts,
    ) -> Result<()> {
        let purchase = TouchpointKind::Purchase.code();
        let value = |i: usize| cols.value.get(i).copied().unwrap_or(0.0);
        if let Some((rules, signals)) = &self.compiled.stages
            && !rows.is_empty()
        {
            let stage = track
                .stage
                .get_or_insert_with(|| StageTrack::new(customer, signals));
            rules.follow(stage, cols, rows, signals)?;
        }
        if let Some(config) = &self.config.loyalty {
            let mut events: Vec<Event> = rows
                .iter()
                .map(|&i| Event::Touch(cols.time[i], 0, i))
                .chain(
                    reds.iter()
                        .map(|&i| Event::Redeem(redemptions.time[i], 1, redemptions.points[i], i)),
                )
                .collect();
            events.sort_unstable();
            let (ledger, history) = track.loyalty.get_or_insert_with(Default::default);
            Programme::new(config).run_events(ledger, customer, &events, cols, history);
        }
        if let Some(follower) = &self.compiled.funnel
            && !rows.is_empty()
        {
            let funnel = track.funnel.get_or_insert_with(FunnelTrack::default);
            follower.push(funnel, cols, rows.iter().copied());
        }
        if let Some(c) = &self.config.cohorts {
            let any = c.activity == CohortActivity::Any;
            let transactions = rows
                .iter()
                .filter(|&&i| any || cols.kind[i] == purchase)
                .map(|&i| {
                    let v = if cols.kind[i] == purchase {
                        value(i)
                    } else {
                        0.0
                    };
                    (cols.time[i], crate::model::money::micros(v))
                });
            follow_cohort(
                c.config.period,
                c.config.max_periods as usize,
                &mut track.cohort,
                transactions,
                cohorts,
            );
        }
        if let Some(options) = &self.config.paths {
            let refund = TouchpointKind::Refund.code();
            let touches = rows.iter().filter(|&&i| cols.kind[i] != refund).map(|&i| {
                let flag = if cols.kind[i] == purchase {
                    PURCHASE
                } else {
                    0
                };
                (cols.time[i], u32::from(cols.channel[i]) | flag, value(i))
            });
            follow_paths(options, &mut track.path, touches, |path, value| {
                paths.add(
                    path,
                    PathCount {
                        conversions: 1,
                        value,
                        nulls: 0,
                    },
                );
            });
        }
        let last = rows
            .iter()
            .map(|&i| cols.time[i])
            .chain(reds.iter().map(|&i| redemptions.time[i]))
            .max();
        if let Some(last) = last {
            track.last = track.last.max(last);
            if let (Some(options), Some(&(newest, _))) = (&self.config.paths, track.path.last()) {
                // Touches more than the lookback before the newest are in no
                // later path (a purchase comes later still).
                let keep = newest.saturating_sub(options.lookback);
                track.path.retain(|r| r.0 >= keep);
            }
        }
        Ok(())
    }

    /// An error unless the state follows `what`.
    fn follows<T>(&self, part: Option<T>, what: &str) -> Result<T> {
        part.ok_or_else(|| {
            EngError::config(
                what,
                format!(
                    "this journey state does not follow {what}: add \"{what}\" to its configuration"
                ),
            )
        })
    }

    /// An error when `as_of` is before the latest time pushed.
    fn check_as_of(&self, as_of: i64) -> Result<()> {
        match self.latest {
            Some((latest, customer)) if latest > as_of => Err(EngError::AsOfBeforeData {
                as_of,
                latest,
                customer,
            }),
            _ => Ok(()),
        }
    }

    /// The stage history up to `until`, as [`StageRules::history`] over
    /// every touchpoint pushed.
    ///
    /// # Errors
    /// [`EngError::Config`] when the state does not follow stages;
    /// [`EngError::AsOfBeforeData`] when `until` is before the latest time pushed.
    pub fn stage_history(&self, until: impl IntoTime) -> Result<StageHistory> {
        let until = until.unix_seconds();
        let (rules, _) = self.follows(self.compiled.stages.as_ref(), "stages")?;
        self.check_as_of(until)?;
        let mut out = StageHistory {
            until,
            ..StageHistory::default()
        };
        for stage in self.customers.values().filter_map(|t| t.stage.as_ref()) {
            rules.read(stage, until, &mut out);
        }
        Ok(out)
    }

    /// The loyalty accounts and tier history at `as_of`, as [`run_loyalty`]
    /// over every touchpoint and redemption pushed.
    ///
    /// # Errors
    /// As [`stage_history`](Self::stage_history), for loyalty.
    pub fn loyalty(&self, as_of: impl IntoTime) -> Result<LoyaltyReport> {
        let as_of = as_of.unix_seconds();
        let config = self.follows(self.config.loyalty.as_ref(), "loyalty")?;
        self.check_as_of(as_of)?;
        let programme = Programme::new(config);
        let mut report = LoyaltyReport::default();
        report.accounts.tier_names = config.tiers.iter().map(|t| t.name.clone()).collect();
        for (&customer, track) in &self.customers {
            if let Some((ledger, history)) = &track.loyalty {
                report.history.extend(history);
                programme.close(
                    ledger.clone(),
                    customer,
                    as_of,
                    &mut report.accounts,
                    &mut report.history,
                );
            }
        }
        Ok(report)
    }

    /// The funnel's result, as [`run_funnel`] over every touchpoint pushed.
    ///
    /// # Errors
    /// [`EngError::Config`] when the state does not follow a funnel;
    /// [`EngError::EmptyInput`] when no customer entered it.
    pub fn funnel(&self) -> Result<FunnelResult> {
        let follower = self.follows(self.compiled.funnel.as_ref(), "funnel")?;
        follower.result(self.customers.values().filter_map(|t| t.funnel.as_ref()))
    }

    /// The cohort table at `as_of`, as [`cohorts`] over the purchases pushed
    /// (or every touchpoint, with activity `any`).
    ///
    /// # Errors
    /// As [`stage_history`](Self::stage_history), for cohorts;
    /// [`EngError::EmptyInput`] when no customer was acquired.
    pub fn cohorts(&self, as_of: impl IntoTime) -> Result<CohortTable> {
        let as_of = as_of.unix_seconds();
        let c = self.follows(self.config.cohorts.as_ref(), "cohorts")?;
        self.check_as_of(as_of)?;
        self.cohorts.finish(as_of, &c.config)
    }

    /// The attribution paths, as [`paths_from_touchpoints_with`] over every
    /// touchpoint pushed.
    ///
    /// # Errors
    /// [`EngError::Config`] when the state does not follow paths;
    /// [`EngError::EmptyInput`] when there is no path.
    pub fn paths(&self) -> Result<Paths> {
        let options = self.follows(self.config.paths.as_ref(), "paths")?;
        let mut counts = self.paths.clone();
        for track in self.customers.values() {
            if let Some(path) = open_path(options.lookback, &track.path) {
                counts.add(
                    path,
                    PathCount {
                        nulls: 1,
                        ..PathCount::default()
                    },
                );
            }
        }
        counts.finish()
    }
}

/// The tables [`JourneyState::table`] gives.
pub const JOURNEY_TABLES: [&str; 5] = [
    "stage_history",
    "loyalty_accounts",
    "loyalty_history",
    "funnel",
    "attribution",
];

impl JourneyState {
    /// One result as a [`Table`](crate::table::Table), by name: `stage_history` (up
    /// to `as_of`), `loyalty_accounts` and `loyalty_history` (at `as_of`),
    /// `funnel` (its steps), `attribution` (the paths credited by `rule`;
    /// `as_of` unused by these two).
    ///
    /// # Errors
    /// [`EngError::UnknownLabel`] for another name (listing these);
    /// [`EngError::Config`] for a table read at a time without `as_of`; as
    /// the method of each result.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::JourneyState;
    /// use engagement_core::attribution::Rule;
    /// use engagement_core::{RedemptionColumns, TouchpointColumns};
    /// let mut s = JourneyState::from_json(r#"{"paths": {}}"#)?;
    /// s.push(&TouchpointColumns { customer: &[1, 1], time: &[0, 60], channel: &[0, 1], kind: &[1, 4],
    ///     value: &[0.0, 5.0], ..Default::default() }, &RedemptionColumns::default())?;
    /// let t = s.table("attribution", None, &Rule::Linear)?;
    /// assert_eq!(t.names()[..3], ["channel", "conversions", "value"]);
    /// assert_eq!(s.table("funnels", None, &Rule::Linear).unwrap_err().kind(), "unknown_label");
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn table(
        &self,
        name: &str,
        as_of: Option<i64>,
        rule: &crate::journey::attribution::Rule,
    ) -> Result<crate::table::Table> {
        use crate::table::ToTable;
        let at = || {
            as_of.ok_or_else(|| {
                EngError::config(
                    "as_of",
                    format!("the {name} table is read at a time: give as_of (Unix seconds)"),
                )
            })
        };
        Ok(match name {
            "stage_history" => self.stage_history(at()?)?.to_table(),
            "loyalty_accounts" => self.loyalty(at()?)?.accounts.to_table(),
            "loyalty_history" => self.loyalty(at()?)?.history_table(),
            "funnel" => self.funnel()?.to_table(),
            "attribution" => {
                crate::journey::attribution::attribute(&self.paths()?, rule)?.to_table()
            }
            other => {
                return Err(EngError::unknown_label("table", other, JOURNEY_TABLES));
            }
        })
    }
}

/// The format version of a saved journey state this library writes.
pub const JOURNEY_STATE_FORMAT_VERSION: u16 = 1;
const MAGIC: [u8; 4] = *b"ENGJ";

#[derive(Serialize)]
struct StateOut<'a> {
    config: String,
    customers: Vec<(u64, &'a Track)>,
    cohorts: &'a CohortCounts,
    paths: &'a PathCounts,
    latest: Option<(i64, u64)>,
}

#[derive(Deserialize)]
struct StateIn {
    config: String,
    customers: Vec<(u64, Track)>,
    cohorts: CohortCounts,
    paths: PathCounts,
    latest: Option<(i64, u64)>,
}

impl JourneyState {
    /// The saved form of the state: magic `ENGJ`, format version, length,
    /// CRC-32, then the configuration and every customer's track.
    ///
    /// # Errors
    /// [`EngError::Corrupt`] if the state cannot be encoded (it always can).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let out = StateOut {
            config: serde_json::to_string(&self.config)?,
            customers: self.customers.iter().map(|(&c, t)| (c, t)).collect(),
            cohorts: &self.cohorts,
            paths: &self.paths,
            latest: self.latest,
        };
        let bytes = postcard::to_allocvec(&out)
            .map_err(|e| corrupt(format!("cannot encode the journey state: {e}")))?;
        Ok(frame(MAGIC, JOURNEY_STATE_FORMAT_VERSION, &bytes))
    }

    /// A state from its saved form, checked whole.
    ///
    /// # Errors
    /// [`EngError::Corrupt`] for bytes that are not a saved journey state
    /// (truncated, altered, another format, inconsistent): never a partial state.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (_version, payload) =
            unframe(bytes, MAGIC, JOURNEY_STATE_FORMAT_VERSION, "journey state")?;
        let read: StateIn = postcard::from_bytes(payload)
            .map_err(|e| corrupt(format!("the saved journey state does not decode: {e}")))?;
        let config: JourneyStateConfig = crate::limits::from_json(&read.config)
            .map_err(|e| corrupt(format!("its configuration: {e}")))?;
        let mut state =
            JourneyState::new(config).map_err(|e| corrupt(format!("its configuration: {e}")))?;
        let fingerprint = state.compiled.stages.as_ref().map(|s| s.1.fingerprint());
        let mut previous = None;
        let mut latest: Option<i64> = None;
        for (customer, mut track) in read.customers {
            let bad = |what: &str| corrupt(format!("customer {customer}: {what}"));
            if previous.is_some_and(|p| p >= customer) {
                return Err(corrupt(format!(
                    "customer {customer} is out of ascending order or repeated"
                )));
            }
            previous = Some(customer);
            let c = &state.config;
            if track.loyalty.is_some() != c.loyalty.is_some()
                || track.funnel.is_some() && c.funnel.is_none()
                || track.stage.is_some() && c.stages.is_none()
                || track.cohort.is_some() && c.cohorts.is_none()
                || !track.path.is_empty() && c.paths.is_none()
            {
                return Err(bad(
                    "its state does not match what the configuration follows",
                ));
            }
            if let (Some(stage), Some(fingerprint)) = (&mut track.stage, fingerprint) {
                if stage.profile.customer() != customer {
                    return Err(bad("its stage profile is another customer's"));
                }
                stage
                    .profile
                    .check_consistent()
                    .map_err(|e| bad(&e.to_string()))?;
                stage.profile.rebind(fingerprint);
            }
            // Every time inside 1970..=its latest time, and every part as its programme,
            // funnel or cohorts leave it: a crafted file that passes the checksum must not
            // bring values later arithmetic or indexing cannot take.
            if !(crate::model::MIN_TIME..=crate::model::MAX_TIME).contains(&track.last) {
                return Err(bad("its latest time is outside 1970..=3000"));
            }
            if let Some(stage) = &track.stage {
                stage.check(track.last).map_err(|e| bad(&e))?;
            }
            if let (Some((ledger, history)), Some(config)) = (&track.loyalty, &c.loyalty) {
                ledger
                    .check(&Programme::new(config), track.last)
                    .map_err(|e| bad(&e))?;
                let since = &history.since;
                if history.customer.iter().any(|&h| h != customer)
                    || history.tier.len() != since.len()
                    || history.customer.len() != since.len()
                    || since.windows(2).any(|w| w[0] > w[1])
                    || since
                        .iter()
                        .any(|t| !(crate::model::MIN_TIME..=track.last).contains(t))
                    || history
                        .tier
                        .iter()
                        .flatten()
                        .any(|t| t.index() >= config.tiers.len())
                {
                    return Err(bad(
                        "its tier history is out of order or names an unknown tier",
                    ));
                }
            }
            if let (Some(f), Some(follower)) = (&track.funnel, &state.compiled.funnel) {
                follower.check(f, track.last).map_err(|e| bad(&e))?;
            }
            if let (Some((acquired, counted)), Some(cohorts)) = (track.cohort, &c.cohorts) {
                let period = cohorts.config.period;
                let (first, now) = (
                    period.index(crate::model::MIN_TIME),
                    period.index(track.last),
                );
                if !(first..=now).contains(&acquired) || !(-1..=now - acquired).contains(&counted) {
                    return Err(bad("its cohort is outside the periods it was pushed in"));
                }
            }
            if track
                .path
                .iter()
                .any(|p| p.0 > track.last || p.0 < crate::model::MIN_TIME)
                || track.path.windows(2).any(|w| w[0].0 > w[1].0)
                || track
                    .path
                    .iter()
                    .any(|p| p.1 as usize >= crate::Channel::COUNT)
            {
                return Err(bad(
                    "its open path is out of order or names an unknown channel",
                ));
            }
            latest = latest.max(Some(track.last));
            state.customers.insert(customer, track);
        }
        if read.latest.map(|l| l.0) != latest {
            return Err(corrupt("its latest time is not its customers' latest time"));
        }
        if let Some(c) = &state.config.cohorts {
            read.cohorts
                .check(latest.unwrap_or(crate::model::MIN_TIME), &c.config)
                .map_err(|e| corrupt(format!("its cohort counts: {e}")))?;
        }
        if !read.paths.labels.is_empty() {
            return Err(corrupt(
                "its path counts name touches by label, not channel",
            ));
        }
        read.paths
            .check()
            .map_err(|e| corrupt(format!("its path counts: {e}")))?;
        state.cohorts = read.cohorts;
        state.paths = read.paths;
        state.latest = read.latest;
        Ok(state)
    }

    /// Saves the state to `path` (through a synced temporary file renamed
    /// over it: a crash leaves the old file or the new one).
    ///
    /// # Errors
    /// [`EngError::Io`] naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_bytes()?)
    }

    /// Loads a state saved with [`save`](Self::save).
    ///
    /// # Errors
    /// [`EngError::Io`] naming the file; [`EngError::Corrupt`] as [`from_bytes`](Self::from_bytes).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        JourneyState::from_bytes(&read_file(path.as_ref())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::attribution::paths_from_touchpoints_with;
    use crate::journey::funnel::run_funnel;
    use crate::model::{Touchpoint, TouchpointTable};
    use crate::retention::cohort::{CohortPeriod, cohort_counts_of_touchpoints};
    use crate::segment::loyalty::run_loyalty;
    use crate::testing;
    use proptest::prelude::*;

    const DAY: i64 = 86_400;

    fn funnels() -> impl Strategy<Value = Funnel> {
        let steps = r#"[{"name": "seen", "kinds": ["impression", "open", "visit"]},
                        {"name": "clicked", "kinds": ["click"]},
                        {"name": "bought", "kinds": ["purchase"]}]"#;
        let variants = [
            r#""window": 604800"#.to_string(),
            r#""window": 1209600, "order": "strict""#.into(),
            r#""window": 2592000, "order": "any", "breakdown": "channel""#.into(),
            r#""window": 2592000, "entry": "first", "hold_constant": "channel""#.into(),
            r#""window": 2592000, "exclusions": [{"name": "refund", "kinds": ["refund"], "between": [1, 2]}]"#.into(),
        ];
        proptest::sample::select(variants.to_vec()).prop_map(move |v| {
            let mut f: Funnel =
                serde_json::from_str(&format!(r#"{{"steps": {steps}, {v}}}"#)).unwrap();
            if v.contains("exclusions") {
                f.steps[2].within = Some(3 * DAY);
            }
            f
        })
    }

    fn configs() -> impl Strategy<Value = JourneyStateConfig> {
        (
            funnels(),
            proptest::sample::select(vec![
                CohortPeriod::Day,
                CohortPeriod::Week,
                CohortPeriod::Month,
            ]),
            1u32..8,
            any::<bool>(),
            1i64..40,
            any::<bool>(),
            30.0f64..400.0,
        )
            .prop_map(
                |(funnel, period, max_periods, any_activity, lookback_days, include, expiry)| {
                    JourneyStateConfig {
                        stages: Some(StageConfig::default()),
                        loyalty: Some(LoyaltyConfig {
                            expiry_days: expiry.round(),
                            tier_window_days: 60.0,
                            ..LoyaltyConfig::default()
                        }),
                        funnel: Some(funnel),
                        cohorts: Some(CohortFollow {
                            config: CohortConfig {
                                period,
                                max_periods,
                            },
                            activity: if any_activity {
                                CohortActivity::Any
                            } else {
                                CohortActivity::Purchases
                            },
                        }),
                        paths: Some(PathOptions {
                            lookback: lookback_days * DAY,
                            include_conversion: include,
                            ..PathOptions::default()
                        }),
                    }
                },
            )
    }

    /// Touchpoints on a 6-hour grid (ties across and within customers) over
    /// 200 days, redemptions, and the cut times of the pushes.
    /// Touchpoints, redemptions (customer, time, points) and the nights' cut times.
    type Days = (Vec<Touchpoint>, Vec<(u64, i64, u64)>, Vec<i64>);

    fn days() -> impl Strategy<Value = Days> {
        let span = 200 * DAY;
        (
            proptest::collection::vec(testing::touchpoint(6, testing::START, span), 0..120),
            proptest::collection::vec((1u64..=6, 0..span, 1u64..400), 0..8),
            proptest::collection::vec(0..span, 0..12),
        )
            .prop_map(move |(mut tps, reds, cuts)| {
                for tp in &mut tps {
                    tp.time = testing::START + (tp.time - testing::START) / (6 * 3600) * (6 * 3600);
                }
                let reds = reds
                    .into_iter()
                    .map(|(c, t, p)| (c, testing::START + t / 3600 * 3600, p))
                    .collect();
                let mut cuts: Vec<i64> = cuts.into_iter().map(|c| testing::START + c).collect();
                cuts.sort_unstable();
                (tps, reds, cuts)
            })
    }

    fn table(tps: &[&Touchpoint]) -> TouchpointTable {
        let mut t = TouchpointTable::default();
        for tp in tps {
            t.push(tp);
        }
        t
    }

    fn same<T: PartialEq + std::fmt::Debug>(
        a: Result<T>,
        b: Result<T>,
    ) -> std::result::Result<(), TestCaseError> {
        match (a, b) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => prop_assert_eq!(a.kind(), b.kind()),
            (a, b) => prop_assert!(false, "followed {a:?}, recomputed {b:?}"),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Pushed day by day in any row order, saved and loaded between
        /// days, a state answers what a recompute over every day gives.
        #[test]
        fn followed_day_by_day_equals_a_full_recompute(
            config in configs(),
            (tps, reds, cuts) in days(),
            reverse in any::<bool>(),
        ) {
            let mut state = JourneyState::new(config.clone()).unwrap();
            let mut lo = i64::MIN;
            for hi in cuts.iter().copied().chain([i64::MAX]) {
                let mut day: Vec<&Touchpoint> = tps.iter().filter(|t| t.time >= lo && t.time < hi).collect();
                if reverse {
                    day.reverse();
                }
                let r: Vec<&(u64, i64, u64)> = reds.iter().filter(|r| r.1 >= lo && r.1 < hi).collect();
                let (rc, rt, rp): (Vec<u64>, Vec<i64>, Vec<u64>) =
                    (r.iter().map(|r| r.0).collect(), r.iter().map(|r| r.1).collect(), r.iter().map(|r| r.2).collect());
                let t = table(&day);
                state.push(&t.columns(), &RedemptionColumns { customer: &rc, time: &rt, points: &rp }).unwrap();
                let back = JourneyState::from_bytes(&state.to_bytes().unwrap()).unwrap();
                prop_assert_eq!(&back, &state);
                state = back;
                lo = hi;
            }
            let all = table(&tps.iter().collect::<Vec<_>>());
            let cols = all.columns();
            let (rc, rt, rp): (Vec<u64>, Vec<i64>, Vec<u64>) =
                (reds.iter().map(|r| r.0).collect(), reds.iter().map(|r| r.1).collect(), reds.iter().map(|r| r.2).collect());
            let redemptions = RedemptionColumns { customer: &rc, time: &rt, points: &rp };
            let end = testing::START + 600 * DAY;
            let rules = StageRules::new(config.stages.clone().unwrap()).unwrap();
            same(state.stage_history(end), rules.history(&cols, end))?;
            for as_of in [testing::START + 201 * DAY, end] {
                same(state.loyalty(as_of), run_loyalty(&cols, &redemptions, as_of, config.loyalty.as_ref().unwrap()))?;
                let c = config.cohorts.unwrap();
                same(
                    state.cohorts(as_of),
                    cohort_counts_of_touchpoints(&cols, as_of, &c.config, c.activity == CohortActivity::Any)
                        .and_then(|k| k.finish(as_of, &c.config)),
                )?;
            }
            same(state.funnel(), run_funnel(&cols, config.funnel.as_ref().unwrap()))?;
            same(state.paths(), paths_from_touchpoints_with(&cols, config.paths.as_ref().unwrap()))?;
        }
    }

    /// A state of every analysis over three nights: what `src/testdata/journeys_v1.engj` holds.
    fn persisted_state() -> JourneyState {
        let mut state = JourneyState::from_json(
            r#"{"stages": {}, "loyalty": {"expiry_days": 30},
                "funnel": {"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}],
                           "window": 604800, "breakdown": "channel"},
                "cohorts": {"config": {"period": "week", "max_periods": 4}, "activity": "any"},
                "paths": {"lookback": 172800}}"#,
        )
        .unwrap();
        for night in 0..3i64 {
            let rows: Vec<Touchpoint> = (0..12u64)
                .map(|i| {
                    let kind = crate::model::TouchpointKind::ALL[(i as usize + night as usize) % 5];
                    Touchpoint::new(
                        i % 5 + 1,
                        testing::START + night * DAY + i as i64 * 600,
                        crate::model::Channel::ALL[i as usize % 4],
                        kind,
                    )
                    .with_value(
                        if kind == crate::model::TouchpointKind::Purchase {
                            20.0 + i as f64
                        } else {
                            0.0
                        },
                    )
                })
                .collect();
            let t = table(&rows.iter().collect::<Vec<_>>());
            let reds = (
                vec![1u64],
                vec![testing::START + night * DAY + 7_000],
                vec![5u64],
            );
            state
                .push(
                    &t.columns(),
                    &RedemptionColumns {
                        customer: &reds.0,
                        time: &reds.1,
                        points: &reds.2,
                    },
                )
                .unwrap();
        }
        state
    }

    /// The bytes of `state` with each customer's track changed by `change` (as JSON), framed with
    /// a valid checksum: what a hostile file looks like to the checks behind it.
    fn tampered(
        state: &JourneyState,
        change: &dyn Fn(&mut serde_json::Value) -> bool,
    ) -> Option<Vec<u8>> {
        let mut changed = false;
        let customers: Vec<(u64, Track)> = state
            .customers
            .iter()
            .map(|(&c, t)| {
                let mut v = serde_json::to_value(t).unwrap();
                changed |= change(&mut v);
                (c, serde_json::from_value(v).unwrap())
            })
            .collect();
        let out = StateOut {
            config: serde_json::to_string(&state.config).unwrap(),
            customers: customers.iter().map(|(c, t)| (*c, t)).collect(),
            cohorts: &state.cohorts,
            paths: &state.paths,
            latest: state.latest,
        };
        changed.then(|| {
            frame(
                MAGIC,
                JOURNEY_STATE_FORMAT_VERSION,
                &postcard::to_allocvec(&out).unwrap(),
            )
        })
    }

    /// Sets the value at `path` (keys and indices) when the track has the place.
    fn set(v: &mut serde_json::Value, path: &[&str], to: serde_json::Value) -> bool {
        let mut at = v;
        for (depth, key) in path.iter().enumerate() {
            let next = match key.parse::<usize>() {
                Ok(i) => at.get_mut(i),
                Err(_) => at.get_mut(*key),
            };
            match next {
                Some(n) if !n.is_null() || depth + 1 == path.len() => at = n,
                _ => return false,
            }
        }
        *at = to;
        true
    }

    #[test]
    fn a_file_claiming_two_to_the_63_customers_is_corrupt_without_allocating_them() {
        // A valid frame and configuration, then a customer count of 2^63 and nothing after it.
        let config = serde_json::to_string(&persisted_state().config).unwrap();
        let payload = postcard::to_allocvec(&(config, 1u64 << 63)).unwrap();
        let bytes = frame(MAGIC, JOURNEY_STATE_FORMAT_VERSION, &payload);
        assert!(matches!(
            JourneyState::from_bytes(&bytes),
            Err(EngError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_crafted_file_with_a_valid_checksum_and_impossible_contents_is_corrupt() {
        let state = persisted_state();
        let bytes = tampered(&state, &|_| true).unwrap();
        assert_eq!(
            JourneyState::from_bytes(&bytes).unwrap(),
            state,
            "the untouched form loads"
        );
        let (max, min) = (serde_json::json!(i64::MAX), serde_json::json!(i64::MIN));
        let cases: Vec<(&str, Vec<&str>, serde_json::Value)> = vec![
            ("latest time", vec!["last"], max.clone()),
            (
                "loyalty lot in the far future",
                vec!["loyalty", "0", "lots", "0", "0"],
                max.clone(),
            ),
            (
                "loyalty lot before 1970",
                vec!["loyalty", "0", "lots", "0", "0"],
                serde_json::json!(-5),
            ),
            (
                "empty loyalty lot",
                vec!["loyalty", "0", "lots", "0", "1"],
                serde_json::json!(0),
            ),
            (
                "tier window sum",
                vec!["loyalty", "0", "in_window"],
                serde_json::json!(123_456_789),
            ),
            (
                "tier past the programme's",
                vec!["loyalty", "0", "tier"],
                serde_json::json!(7),
            ),
            (
                "funnel row in the far future",
                vec!["funnel", "rows", "0", "0"],
                max.clone(),
            ),
            (
                "funnel row matching nothing",
                vec!["funnel", "rows", "0", "1"],
                serde_json::json!(0),
            ),
            (
                "funnel row of an unknown channel",
                vec!["funnel", "rows", "0", "2"],
                serde_json::json!(999),
            ),
            (
                "funnel attempt deeper than the funnel",
                vec!["funnel", "best"],
                serde_json::json!([0, 0, 0, 0]),
            ),
            ("cohort before 1970", vec!["cohort", "0"], min.clone()),
            (
                "cohort period counted in the future",
                vec!["cohort", "1"],
                max.clone(),
            ),
            (
                "stage entry in the far future",
                vec!["stage", "entries", "0", "1"],
                max.clone(),
            ),
            (
                "path touch before 1970",
                vec!["path", "0", "0"],
                serde_json::json!(-1),
            ),
        ];
        for (what, path, to) in cases {
            let bytes = tampered(&state, &|v| set(v, &path, to.clone()))
                .unwrap_or_else(|| panic!("{what}: no track has {path:?}"));
            match JourneyState::from_bytes(&bytes) {
                Err(EngError::Corrupt { reason }) => {
                    assert!(reason.contains("customer"), "{what}: {reason}")
                }
                other => panic!("{what}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_first_format_version_still_loads() {
        // Saved by format version 1 of this library; every later reader must load it to this state.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/testdata/journeys_v1.engj");
        let expected = persisted_state();
        if std::env::var_os("UPDATE_PERSIST_V1").is_some() {
            expected.save(path).unwrap();
        }
        let state = JourneyState::load(path).unwrap();
        assert_eq!(state, expected);
        let end = testing::START + 40 * DAY;
        assert_eq!(
            state.stage_history(end).unwrap(),
            expected.stage_history(end).unwrap()
        );
        assert_eq!(state.loyalty(end).unwrap(), expected.loyalty(end).unwrap());
        assert_eq!(state.funnel().unwrap(), expected.funnel().unwrap());
    }

    #[test]
    fn late_touchpoints_bad_input_and_damaged_bytes_change_nothing() {
        let mut state =
            JourneyState::from_json(r#"{"stages": {}, "cohorts": {}, "paths": {}}"#).unwrap();
        let tps = TouchpointColumns {
            customer: &[1, 2],
            time: &[10 * DAY, 10 * DAY],
            channel: &[1, 2],
            kind: &[4, 2],
            value: &[5.0, 0.0],
            ..Default::default()
        };
        state.push(&tps, &RedemptionColumns::default()).unwrap();
        let saved = state.to_bytes().unwrap();
        // Customer 2 at the same second again: refused, naming the row.
        let late = TouchpointColumns {
            customer: &[3, 2],
            time: &[11 * DAY, 10 * DAY],
            channel: &[1, 1],
            kind: &[1, 1],
            ..Default::default()
        };
        let e = state
            .push(&late, &RedemptionColumns::default())
            .unwrap_err();
        assert!(
            e.to_string().contains("row 1") && e.to_string().contains("customer 2"),
            "{e}"
        );
        let e = state
            .push(
                &TouchpointColumns::default(),
                &RedemptionColumns {
                    customer: &[1],
                    time: &[20 * DAY],
                    points: &[5],
                },
            )
            .unwrap_err();
        assert_eq!(e.kind(), "config");
        assert_eq!(state.to_bytes().unwrap(), saved);
        assert_eq!(state.loyalty(0).unwrap_err().kind(), "config");
        assert_eq!(
            state.stage_history(DAY).unwrap_err().kind(),
            "as_of_before_data"
        );
        for n in 0..saved.len() {
            assert_eq!(
                JourneyState::from_bytes(&saved[..n]).unwrap_err().kind(),
                "corrupt"
            );
        }
        for i in 0..saved.len() {
            let mut b = saved.clone();
            b[i] ^= 0x10;
            assert_eq!(
                JourneyState::from_bytes(&b).unwrap_err().kind(),
                "corrupt",
                "byte {i}"
            );
        }
        for bad in [
            r#"{}"#,
            r#"{"funnel": {"steps": [{"name": "a", "events": ["x"]}]}}"#,
            r#"{"paths": {"by": "event"}}"#,
            r#"{"cohorts": {"config": {"max_periods": 0}}}"#,
        ] {
            let e = JourneyState::from_json(bad).unwrap_err();
            assert_eq!(e.kind(), "config", "{bad}: {e}");
        }
    }
}
