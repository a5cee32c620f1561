//! Stage history: when each customer entered each stage.

use crate::model::time::IntoTime;
use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::journey::stages::StageRules;
use crate::model::{Code, JourneyStage, TouchpointColumns};
use crate::profile::Profile;
use crate::profile::signals::{SignalConfig, Signals};
use crate::score::churn::{ChurnSummary, retention_rate};

/// Stage entries as columns: customer `customer[i]` entered `stage[i]` at
/// `entered_at[i]`. Sorted by customer, then time.
///
/// A customer's first entry is the stage right after their first touchpoint;
/// later entries are the changes, whether caused by a touchpoint (a purchase
/// makes a new customer) or by time passing (silence makes a buyer at risk,
/// then churned).
///
/// # Examples
///
/// ```
/// use engagement_core::{JourneyStage, StageConfig, StageRules, TouchpointColumns};
/// let day = 86_400;
/// let h = StageRules::new(StageConfig::default())?.history(&TouchpointColumns {
///     customer: &[1, 2], time: &[0, 3 * day], channel: &[1, 0], kind: &[4, 2], ..Default::default()
/// }, 130 * day)?;
/// // 1 bought on day 0 and is at risk after 120 days; 2 clicked on day 3, a prospect again after 30.
/// assert_eq!(h.customer, [1, 1, 2, 2]);
/// assert_eq!(h.stage, [JourneyStage::NewCustomer, JourneyStage::AtRisk, JourneyStage::Engaged, JourneyStage::Prospect]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageHistory {
    /// Customer id.
    pub customer: Vec<u64>,
    /// The stage entered.
    pub stage: Vec<JourneyStage>,
    /// When, Unix seconds.
    pub entered_at: Vec<i64>,
    /// The time the stream was replayed to: the history is complete up to here.
    #[serde(default)]
    pub until: i64,
}

impl StageHistory {
    /// A history from columns with stage codes, as the C and Python faces
    /// hold it (`until` = 0: a history read back, not replayed).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] naming the row of an unknown stage code;
    /// [`EngError::LengthMismatch`] for columns of different lengths.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, StageHistory};
    /// let h = StageHistory::from_codes(vec![1, 1], &[0, 2], vec![0, 60])?;
    /// assert_eq!(h.stage, [JourneyStage::Prospect, JourneyStage::NewCustomer]);
    /// assert!(StageHistory::from_codes(vec![1], &[9], vec![0]).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_codes(customer: Vec<u64>, stage: &[u8], entered_at: Vec<i64>) -> Result<Self> {
        for (field, len) in [("stage", stage.len()), ("entered_at", entered_at.len())] {
            if len != customer.len() {
                return Err(EngError::LengthMismatch {
                    field: field.into(),
                    expected: customer.len(),
                    found: len,
                });
            }
        }
        Ok(StageHistory {
            customer,
            stage: JourneyStage::from_codes(stage)?,
            entered_at,
            until: 0,
        })
    }

    /// Number of entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, StageConfig, StageRules, TouchpointColumns};
    /// let day = 86_400;
    /// let h = StageRules::new(StageConfig::default())?.history(&TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 3 * day], channel: &[1, 0], kind: &[4, 2], ..Default::default()
    /// }, 130 * day)?;
    /// assert_eq!(h.len(), 4);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True when empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, StageConfig, StageRules, TouchpointColumns};
    /// let day = 86_400;
    /// let h = StageRules::new(StageConfig::default())?.history(&TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 3 * day], channel: &[1, 0], kind: &[4, 2], ..Default::default()
    /// }, 130 * day)?;
    /// assert!(!h.is_empty());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    fn push(&mut self, customer: u64, stage: JourneyStage, t: i64) {
        self.customer.push(customer);
        self.stage.push(stage);
        self.entered_at.push(t);
    }

    /// Each customer's stage at time `t`: `(customer, stage)` for every
    /// customer whose first entry is at or before `t`, in customer order.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, StageConfig, StageRules, TouchpointColumns};
    /// let day = 86_400;
    /// let h = StageRules::new(StageConfig::default())?.history(&TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 3 * day], channel: &[1, 0], kind: &[4, 2], ..Default::default()
    /// }, 130 * day)?;
    /// assert_eq!(h.stages_at(day), vec![(1, JourneyStage::NewCustomer)]);
    /// assert_eq!(h.stages_at(10 * day), vec![(1, JourneyStage::NewCustomer), (2, JourneyStage::Engaged)]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn stages_at(&self, t: impl IntoTime) -> Vec<(u64, JourneyStage)> {
        let t = t.unix_seconds();
        let mut out: Vec<(u64, JourneyStage)> = Vec::new();
        for i in 0..self.len() {
            if self.entered_at[i] > t {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.0 == self.customer[i] => last.1 = self.stage[i],
                _ => out.push((self.customer[i], self.stage[i])),
            }
        }
        out
    }

    /// Stage codes as `u8` (for the C and numpy faces).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage, StageConfig, StageRules, TouchpointColumns};
    /// let day = 86_400;
    /// let h = StageRules::new(StageConfig::default())?.history(&TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 3 * day], channel: &[1, 0], kind: &[4, 2], ..Default::default()
    /// }, 130 * day)?;
    /// assert_eq!(h.stage_codes(), [2, 6, 1, 0]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn stage_codes(&self) -> Vec<u8> {
        self.stage.iter().map(|s| s.code()).collect()
    }
}

impl StageRules {
    /// Replays a touchpoint stream and records every stage change up to
    /// `until` (inclusive).
    ///
    /// Rows may come in any order; touchpoints after `until` are an error
    /// (history cannot be told before it happened).
    ///
    /// # Errors
    /// - as [`TouchpointColumns::validate`];
    /// - [`EngError::AsOfBeforeData`] when a touchpoint is later than `until`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{JourneyStage as S, StageConfig, StageRules, TouchpointColumns};
    ///
    /// let day = 86_400;
    /// let rules = StageRules::new(StageConfig::default())?;
    /// let h = rules.history(&TouchpointColumns {
    ///     customer: &[1, 1],
    ///     time: &[0, 5 * day],
    ///     channel: &[0, 1],
    ///     kind: &[2, 4],        // a click, then a purchase
    ///     ..Default::default()
    /// }, 400 * day)?;
    /// assert_eq!(h.stage, [S::Engaged, S::NewCustomer, S::AtRisk, S::Churned]);
    /// assert_eq!(h.entered_at, [0, 5 * day, 125 * day + 1, 185 * day + 1]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn history(
        &self,
        cols: &TouchpointColumns<'_>,
        until: impl IntoTime,
    ) -> Result<StageHistory> {
        let until = until.unix_seconds();
        let n = cols.validate()?;
        if let Some(i) = (0..n).max_by_key(|&i| (cols.time[i], cols.customer[i]))
            && cols.time[i] > until
        {
            return Err(EngError::AsOfBeforeData {
                as_of: until,
                latest: cols.time[i],
                customer: cols.customer[i],
            });
        }
        // Stages need no engagement signals: compile an all-zero table once.
        let signals = stage_signals()?;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_unstable_by_key(|&i| (cols.customer[i], cols.time[i]));
        let mut out = StageHistory {
            until,
            ..StageHistory::default()
        };
        let mut start = 0;
        while start < n {
            let customer = cols.customer[order[start]];
            let mut end = start;
            while end < n && cols.customer[order[end]] == customer {
                end += 1;
            }
            self.replay(cols, &order[start..end], until, &signals, &mut out)?;
            start = end;
        }
        Ok(out)
    }

    fn replay(
        &self,
        cols: &TouchpointColumns<'_>,
        rows: &[usize],
        until: i64,
        signals: &Signals,
        out: &mut StageHistory,
    ) -> Result<()> {
        let mut track = StageTrack::new(cols.customer[rows[0]], signals);
        self.follow(&mut track, cols, rows, signals)?;
        self.read(&track, until, out);
        Ok(())
    }

    /// Applies one customer's next touchpoints (`rows` of `cols`, sorted by
    /// time, all later than the track's last): the changes time causes
    /// before each second with touchpoints, then that second's.
    pub(crate) fn follow(
        &self,
        track: &mut StageTrack,
        cols: &TouchpointColumns<'_>,
        rows: &[usize],
        signals: &Signals,
    ) -> Result<()> {
        let mut k = 0;
        while k < rows.len() {
            let t = cols.time[rows[k]];
            if let Some(at) = track.at {
                let (mut current, entries) = (track.current, &mut track.entries);
                self.drift(&track.profile, at, t - 1, &mut current, |e| entries.push(e));
                track.current = current;
            }
            // Apply every touchpoint of this second, then read the stage.
            while k < rows.len() && cols.time[rows[k]] == t {
                track.profile.apply(&cols.row(rows[k])?, signals)?;
                k += 1;
            }
            let stage = self.stage_unchecked(&track.profile, t);
            if track.current != Some(stage) {
                track.entries.push((stage, t));
                track.current = Some(stage);
            }
            track.at = Some(t);
        }
        Ok(())
    }

    /// The track's entries, and those time causes after its last touchpoint
    /// up to `until`, appended to `out`.
    pub(crate) fn read(&self, track: &StageTrack, until: i64, out: &mut StageHistory) {
        let customer = track.profile.customer();
        for &(stage, t) in &track.entries {
            out.push(customer, stage, t);
        }
        if let Some(at) = track.at {
            let mut current = track.current;
            self.drift(&track.profile, at, until, &mut current, |(stage, t)| {
                out.push(customer, stage, t)
            });
        }
    }

    /// The changes time alone causes after `from` up to `horizon`.
    fn drift(
        &self,
        p: &Profile,
        from: i64,
        horizon: i64,
        current: &mut Option<JourneyStage>,
        mut record: impl FnMut((JourneyStage, i64)),
    ) {
        let mut now = from;
        while let Some(next) = self.next_change(p, now) {
            if next > horizon {
                break;
            }
            let stage = self.stage_unchecked(p, next);
            if *current != Some(stage) {
                record((stage, next));
                *current = Some(stage);
            }
            now = next;
        }
    }
}

/// One customer's stage history as touchpoints arrive (see
/// [`JourneyState`](crate::journey::state::JourneyState)): a profile without
/// engagement signals, the entries so far, and the last touchpoint's time
/// (the changes time causes after it are read, not kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StageTrack {
    pub(crate) profile: Profile,
    current: Option<JourneyStage>,
    at: Option<i64>,
    entries: Vec<(JourneyStage, i64)>,
}

impl StageTrack {
    /// Checks a track read from a saved state against its customer's latest
    /// time: stage entries in time order, none later than `last`.
    pub(crate) fn check(&self, last: i64) -> std::result::Result<(), String> {
        let times = self.entries.iter().map(|e| e.1).chain(self.at);
        if times
            .clone()
            .any(|t| !(crate::model::MIN_TIME..=last).contains(&t))
            || self.entries.windows(2).any(|w| w[0].1 > w[1].1)
            || self.at.is_some() != self.current.is_some()
        {
            return Err("its stage entries are out of order or later than its latest time".into());
        }
        Ok(())
    }

    pub(crate) fn new(customer: u64, signals: &Signals) -> Self {
        StageTrack {
            profile: Profile::new(customer, signals),
            current: None,
            at: None,
            entries: Vec::new(),
        }
    }
}

/// The signals a stage history's profiles carry: none (stages read counts
/// and times only).
pub(crate) fn stage_signals() -> Result<Signals> {
    Signals::new(SignalConfig {
        kind_weights: Default::default(),
        ..SignalConfig::default()
    })
}

impl StageHistory {
    /// Churn over `[start, end)` from stage histories.
    ///
    /// `S` = customers who have bought and are not churned at `start`
    /// (new customer, repeat, loyal, advocate or at risk); `lost` = those of
    /// them churned at `end`; `N` = customers who are buyers at `end` but were
    /// not at `start` (first purchase in the period, or back from churn).
    ///
    /// # Errors
    /// As [`retention_rate`]; [`EngError::InvalidInput`] when `end <= start`,
    /// or when the history does not reach `end − 1` (time-driven churn after
    /// its `until` would be missed).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{StageConfig, StageRules, TouchpointColumns};
    /// let day = 86_400;
    /// let h = StageRules::new(StageConfig::default())?.history(&TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 0], channel: &[1, 1], kind: &[4, 4], ..Default::default() }, 400 * day)?;
    /// // Both bought on day 0 and churned after day 180.
    /// let c = h.churn_between(100 * day, 200 * day, 0.95)?;
    /// assert_eq!((c.at_start, c.lost, c.retention), (2, 2, 0.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn churn_between(
        &self,
        start: impl IntoTime,
        end: impl IntoTime,
        level: f64,
    ) -> Result<ChurnSummary> {
        let start = start.unix_seconds();
        let end = end.unix_seconds();
        if end <= start {
            return Err(EngError::invalid(
                "end",
                end,
                format!("period end must be after its start ({start})"),
            ));
        }
        if end.saturating_sub(1) > self.until {
            return Err(EngError::invalid(
                "end",
                end,
                format!(
                    "the history was replayed only until {}; replay it until at least end − 1",
                    self.until
                ),
            ));
        }
        let is_buyer = |s: JourneyStage| {
            !matches!(
                s,
                JourneyStage::Prospect | JourneyStage::Engaged | JourneyStage::Churned
            )
        };
        let before = self.stages_at(start.saturating_sub(1));
        let after = self.stages_at(end.saturating_sub(1));
        let mut at_start = 0;
        let mut new = 0;
        let mut at_end = 0;
        let mut b = before.iter().peekable();
        for &(customer, s_end) in &after {
            let s_start = match b.peek() {
                Some(&&(c, s)) if c == customer => {
                    b.next();
                    Some(s)
                }
                _ => None,
            };
            let was = s_start.is_some_and(is_buyer);
            let is = is_buyer(s_end);
            if was {
                at_start += 1;
            }
            if is {
                at_end += 1;
                if !was {
                    new += 1;
                }
            }
        }
        retention_rate(at_start, at_end, new, level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::stages::StageConfig;

    const DAY: i64 = 86_400;

    #[test]
    fn time_driven_changes_stop_at_the_next_event() {
        let rules = StageRules::new(StageConfig::default()).unwrap();
        // Purchase at day 0, silence, purchase at day 150 (after at-risk at day 120).
        let cols = TouchpointColumns {
            customer: &[7, 7],
            time: &[150 * DAY, 0],
            channel: &[0, 0],
            kind: &[4, 4],
            ..Default::default()
        };
        let h = rules.history(&cols, 160 * DAY).unwrap();
        use JourneyStage as S;
        assert_eq!(h.stage, [S::NewCustomer, S::AtRisk, S::Repeat]);
        assert_eq!(h.entered_at, [0, 120 * DAY + 1, 150 * DAY]);
        assert_eq!(h.stages_at(130 * DAY), vec![(7, S::AtRisk)]);
        assert_eq!(h.stages_at(-1), vec![]);
    }

    #[test]
    fn events_after_until_are_an_error() {
        let rules = StageRules::new(StageConfig::default()).unwrap();
        let cols = TouchpointColumns {
            customer: &[1],
            time: &[10],
            channel: &[0],
            kind: &[0],
            ..Default::default()
        };
        assert!(matches!(
            rules.history(&cols, 9),
            Err(EngError::AsOfBeforeData { .. })
        ));
        let empty = TouchpointColumns::default();
        assert!(rules.history(&empty, 0).unwrap().is_empty());
    }

    mod props {
        use super::*;
        use crate::profile::ProfileStore;
        use crate::testing;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(100))]

            /// The history's stage at any time equals `stage_of` on the profile of the events up to then.
            #[test]
            fn prop_history_agrees_with_stage_of(
                events in testing::touchpoints(40),
                probes in proptest::collection::vec(0i64..testing::SPAN + 365 * DAY, 1..6),
            ) {
                let rules = StageRules::new(StageConfig::default()).unwrap();
                let mut table = crate::model::TouchpointTable::default();
                events.iter().for_each(|e| table.push(e));
                let until = testing::START + testing::SPAN + 2 * 365 * DAY;
                let h = rules.history(&table.columns(), until).unwrap();
                for probe in probes {
                    let t = testing::START + probe;
                    let mut store = ProfileStore::new(SignalConfig::default()).unwrap();
                    for e in events.iter().filter(|e| e.time <= t) {
                        store.push(e).unwrap();
                    }
                    let expected: Vec<(u64, JourneyStage)> = store
                        .iter()
                        .map(|p| (p.customer(), rules.stage_of(p, t).unwrap()))
                        .collect();
                    prop_assert_eq!(h.stages_at(t), expected);
                }
            }
        }
    }

    #[test]
    fn churn_from_history() {
        let rules = StageRules::new(StageConfig::default()).unwrap();
        // 1: buys at day 0, silent → churned at day 180+.
        // 2: buys at day 0 and day 150 → still a customer at day 200.
        // 3: buys first at day 190 → new in the period.
        // 4: only clicks → never counted.
        let cols = TouchpointColumns {
            customer: &[1, 2, 2, 3, 4],
            time: &[0, 0, 150 * DAY, 190 * DAY, 10 * DAY],
            channel: &[0; 5],
            kind: &[4, 4, 4, 4, 2],
            ..Default::default()
        };
        let h = rules.history(&cols, 400 * DAY).unwrap();
        let c = h.churn_between(100 * DAY, 200 * DAY, 0.95).unwrap();
        assert_eq!((c.at_start, c.lost, c.new, c.at_end), (2, 1, 1, 2));
        assert_eq!(c.retention, 0.5);
        assert!(h.churn_between(5, 5, 0.95).is_err());
    }
}
