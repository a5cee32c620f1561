//! Journey triggers: rules defined as data, evaluated incrementally on the
//! touchpoint stream, each producing due actions (welcome, abandoned cart,
//! thank-you after the n-th purchase, reorder reminder, anniversary,
//! win-back), with a per-customer frequency cap and quiet hours.
//!
//! The engine keeps event time: a pending action due at `d` is decided by the
//! events strictly before `d` (a purchase at `d` does not cancel a cart
//! reminder due at `d`), and it is released as soon as the stream reaches
//! `d` (an event at or after `d`, or [`TriggerEngine::advance`]). Events must
//! therefore arrive in time order across calls; within one call they are
//! sorted by time (equal times keep their input order). The same events give
//! the same actions whether they arrive in one batch or one by one.

use crate::model::time::IntoTime;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::journey::StageConfig;
use crate::journey::StageRules;
use crate::journey::paths::PathColumns;
use crate::model::{
    JourneyStage, MAX_TIME, MIN_TIME, Touchpoint, TouchpointColumns, TouchpointKind,
};
use crate::profile::Profile;
use crate::score::{SignalConfig, Signals};

/// Ten years in seconds: the longest delay or wait a rule may ask for.
const MAX_DELAY: i64 = 10 * 366 * 86_400;

/// When a rule fires. Written as a tagged object: `{"type": "abandoned_cart", "wait": 3600}`.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::triggers::TriggerWhen;
/// let w: TriggerWhen = serde_json::from_str(r#"{"type": "nth_purchase", "n": 3}"#)?;
/// assert_eq!(w, TriggerWhen::NthPurchase { n: 3 });
/// assert!(serde_json::from_str::<TriggerWhen>(r#"{"type": "birthday"}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Variants without settings are empty structs so that unknown keys are rejected for them too.
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TriggerWhen {
    /// The customer's first interaction (any touchpoint but an impression).
    FirstTouch {},
    /// A `cart_add` or `checkout` touchpoint followed by no purchase for
    /// `wait` seconds; a later cart touchpoint restarts the wait, a purchase
    /// before the action is due cancels it.
    AbandonedCart {
        /// Seconds to wait for a purchase (1 to 10 years).
        wait: i64,
    },
    /// The customer's `n`-th purchase (a thank-you or a reward).
    NthPurchase {
        /// Which purchase (from 1).
        n: u64,
    },
    /// The customer's own mean interval between purchases (at least the
    /// stage rules' `min_purchase_interval_days`), times `factor`, has passed
    /// since the last purchase with no new one (customers with at least two
    /// purchases; a new purchase reschedules it).
    Reorder {
        /// Multiple of the mean interval to wait (default 1).
        #[serde(default = "one")]
        factor: f64,
    },
    /// Every calendar anniversary (UTC) of the customer's first purchase.
    Anniversary {},
    /// The customer enters the at-risk stage, as
    /// [`StageRules`] defines it with the engine's
    /// `stages` configuration.
    AtRisk {},
    /// A touchpoint that `on` matches (a product's own event such as
    /// `trial_started`, a campaign, a kind, a channel): the rule fires at it.
    /// With `once`, only at the customer's first such touchpoint; else at
    /// each, a later one before the action is due moving it later.
    Event {
        /// What the touchpoint must be.
        on: TouchMatch,
        /// Fire only the first time (default false).
        #[serde(default)]
        once: bool,
    },
    /// A touchpoint that `start` matches followed by none that `complete`
    /// matches for `wait` seconds (abandoned cart generalised: a trial
    /// started and no project created within three days); a later `start`
    /// restarts the wait, a `complete` before the action is due cancels it.
    Abandoned {
        /// What starts the wait.
        start: TouchMatch,
        /// What ends it without an action.
        complete: TouchMatch,
        /// Seconds to wait (1 to 10 years).
        wait: i64,
    },
}

/// Which touchpoints a trigger rule reacts to: every criterion given must
/// hold (an event label listed in `events`, beginning with `event_prefix` or
/// matched by `event_regex` — any of the three —, a kind in `kinds`, a
/// channel in `channels`, a campaign in `campaigns`). At least one is needed;
/// event criteria need event labels pushed with the touchpoints.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::triggers::TriggerWhen;
/// let w: TriggerWhen = serde_json::from_str(r#"{"type": "abandoned",
///     "start": {"events": ["trial_started"]},
///     "complete": {"event_regex": "^project_(created|imported)$"}, "wait": 259200}"#)?;
/// assert!(matches!(w, TriggerWhen::Abandoned { wait: 259_200, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchMatch {
    /// Event labels that match exactly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// Event labels beginning with this text match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_prefix: Option<String>,
    /// Event labels in which this regular expression finds a match (the
    /// `regex` crate's syntax; unanchored unless anchored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_regex: Option<String>,
    /// Kinds that match (any when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<TouchpointKind>,
    /// Channels that match (any when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<crate::model::Channel>,
    /// Campaign ids that match (any when empty; needs campaign ids pushed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub campaigns: Vec<u64>,
}

impl TouchMatch {
    pub(crate) fn reads_events(&self) -> bool {
        !self.events.is_empty() || self.event_prefix.is_some() || self.event_regex.is_some()
    }

    pub(crate) fn is_empty(&self) -> bool {
        !self.reads_events()
            && self.kinds.is_empty()
            && self.channels.is_empty()
            && self.campaigns.is_empty()
    }

    /// The compiled regular expression; a Config error naming `field`.
    pub(crate) fn regex(&self, field: &str, rule: &str) -> Result<Option<regex::Regex>> {
        self.event_regex
            .as_deref()
            .map(|p| {
                regex::RegexBuilder::new(p)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| {
                        EngError::config(
                            field,
                            format!("rule {rule:?}: {p:?} is not a regular expression: {e}"),
                        )
                    })
            })
            .transpose()
    }

    /// Whether an event label matches the event criteria (true without any).
    pub(crate) fn matches_label(&self, label: &str, regex: Option<&regex::Regex>) -> bool {
        !self.reads_events()
            || self.events.iter().any(|e| e == label)
            || self
                .event_prefix
                .as_deref()
                .is_some_and(|p| label.starts_with(p))
            || regex.is_some_and(|r| r.is_match(label))
    }

    /// Whether a kind and a channel (codes) match (labels and campaigns aside).
    pub(crate) fn matches_codes(&self, kind: u8, channel: u8) -> bool {
        use crate::model::Code;
        (self.kinds.is_empty() || self.kinds.iter().any(|k| k.code() == kind))
            && (self.channels.is_empty() || self.channels.iter().any(|c| c.code() == channel))
    }

    /// Whether a touchpoint's kind, channel and campaign match (labels aside).
    fn matches_row(&self, tp: &Touchpoint, campaign: Option<u64>) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&tp.kind))
            && (self.channels.is_empty() || self.channels.contains(&tp.channel))
            && (self.campaigns.is_empty() || campaign.is_some_and(|c| self.campaigns.contains(&c)))
    }
}

fn one() -> f64 {
    1.0
}

impl TriggerWhen {
    /// The rule's matchers: `on` (or `start`) and `complete`, where it has them.
    fn matchers(&self) -> [Option<&TouchMatch>; 2] {
        match self {
            TriggerWhen::Event { on, .. } => [Some(on), None],
            TriggerWhen::Abandoned {
                start, complete, ..
            } => [Some(start), Some(complete)],
            _ => [None, None],
        }
    }
}

/// One trigger rule.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::triggers::TriggerRule;
/// let r: TriggerRule = serde_json::from_str(
///     r#"{"name": "cart", "action": "cart_reminder", "when": {"type": "abandoned_cart", "wait": 3600}}"#)?;
/// assert_eq!(r.delay, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerRule {
    /// Name of the rule (unique within a configuration).
    pub name: String,
    /// The action to take, as the CRM names it (`"send_welcome_email"`).
    pub action: String,
    /// When the rule fires.
    pub when: TriggerWhen,
    /// Seconds from firing to the action being due (default 0, at most 10 years).
    #[serde(default)]
    pub delay: i64,
}

/// At most `max` actions per customer within any `window` seconds; actions
/// beyond it are dropped (and counted in [`TriggerEngine::suppressed`]).
///
/// # Examples
///
/// ```
/// use engagement_core::journey::triggers::FrequencyCap;
/// let cap: FrequencyCap = serde_json::from_str(r#"{"max": 2, "window": 604800}"#)?;
/// assert_eq!(cap, FrequencyCap { max: 2, window: 7 * 86_400 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrequencyCap {
    /// Actions allowed per window (at least 1).
    pub max: u32,
    /// Window length in seconds (1 s to 10 years).
    pub window: i64,
}

/// Hours of the local day in which no action is due: an action falling in
/// them is moved to their end. `from` 22 and `to` 8 means 22:00 to 08:00.
///
/// # Examples
///
/// ```
/// use engagement_core::TouchpointColumns;
/// use engagement_core::journey::triggers::{TriggerConfig, due_actions};
/// // Quiet from 22:00 to 08:00 in UTC+1: a welcome due at 23:30 UTC goes out at 07:00 UTC.
/// let cfg: TriggerConfig = serde_json::from_str(r#"{
///     "rules": [{"name": "hi", "action": "welcome", "when": {"type": "first_touch"}}],
///     "quiet_hours": {"from": 22, "to": 8, "utc_offset_minutes": 60}}"#)?;
/// let cols = TouchpointColumns { customer: &[1], time: &[23 * 3600 + 1800], channel: &[1], kind: &[3],
///     ..Default::default() };
/// assert_eq!(due_actions(&cols, &cfg, 2 * 86_400)?[0].due, 86_400 + 7 * 3600);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// First quiet hour (0–23).
    pub from: u8,
    /// First hour after the quiet ones (0–23, not equal to `from`).
    pub to: u8,
    /// Local time minus UTC, in minutes (−1440 to 1440; default 0).
    #[serde(default)]
    pub utc_offset_minutes: i32,
}

impl QuietHours {
    /// The earliest time at or after `t` outside the quiet hours.
    fn shift(&self, t: i64) -> i64 {
        let offset = i64::from(self.utc_offset_minutes) * 60;
        let local = t + offset;
        let second = local.rem_euclid(86_400);
        let (from, to) = (i64::from(self.from) * 3600, i64::from(self.to) * 3600);
        let quiet_until = if from < to {
            (from..to).contains(&second).then_some(to)
        } else if second >= from {
            Some(86_400 + to)
        } else {
            (second < to).then_some(to)
        };
        match quiet_until {
            Some(end) => t + (end - second),
            None => t,
        }
    }
}

/// A set of trigger rules as data.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::triggers::TriggerConfig;
/// let cfg: TriggerConfig = serde_json::from_str(r#"{
///     "rules": [
///         {"name": "welcome", "action": "welcome_email", "when": {"type": "first_touch"}, "delay": 600},
///         {"name": "cart", "action": "cart_reminder", "when": {"type": "abandoned_cart", "wait": 14400}},
///         {"name": "third", "action": "reward", "when": {"type": "nth_purchase", "n": 3}},
///         {"name": "reorder", "action": "reorder_reminder", "when": {"type": "reorder"}},
///         {"name": "anniversary", "action": "anniversary_coupon", "when": {"type": "anniversary"}},
///         {"name": "win_back", "action": "win_back_offer", "when": {"type": "at_risk"}}],
///     "cap": {"max": 2, "window": 604800},
///     "quiet_hours": {"from": 22, "to": 8, "utc_offset_minutes": 60}}"#)?;
/// cfg.validate()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerConfig {
    /// The rules (1 to 64).
    pub rules: Vec<TriggerRule>,
    /// Optional frequency cap per customer.
    #[serde(default)]
    pub cap: Option<FrequencyCap>,
    /// Optional quiet hours.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// Stage definitions for the `at_risk` rule (default: [`StageConfig::default`]).
    #[serde(default)]
    pub stages: StageConfig,
}

impl TriggerConfig {
    /// Checks every rule and setting.
    ///
    /// # Errors
    /// [`EngError::Config`] naming the field: no rules or more than 64, an
    /// empty or repeated rule name, an empty action, a delay, wait or window
    /// outside its range, `n` = 0, a reorder factor outside (0, 100], a cap
    /// of 0, quiet hours outside 0–23 or with `from` = `to`, or an invalid
    /// stage configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::triggers::TriggerConfig;
    /// let cfg: TriggerConfig = serde_json::from_str(
    ///     r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "nth_purchase", "n": 0}}]}"#)?;
    /// assert!(cfg.validate().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            (1..=64).contains(&self.rules.len()),
            "rules",
            "1 to 64 rules are needed, got {}",
            self.rules.len()
        );
        let mut names = HashSet::new();
        for r in &self.rules {
            ensure_config!(!r.name.is_empty(), "rules.name", "must not be empty");
            ensure_config!(
                names.insert(r.name.as_str()),
                "rules.name",
                "rule {:?} is defined twice",
                r.name
            );
            ensure_config!(
                !r.action.is_empty(),
                "rules.action",
                "rule {:?} has an empty action",
                r.name
            );
            ensure_config!(
                (0..=MAX_DELAY).contains(&r.delay),
                "rules.delay",
                "rule {:?}: must be 0 to {MAX_DELAY} seconds, got {}",
                r.name,
                r.delay
            );
            match r.when {
                TriggerWhen::AbandonedCart { wait } => {
                    ensure_config!(
                        (1..=MAX_DELAY).contains(&wait),
                        "rules.when.wait",
                        "rule {:?}: must be 1 to {MAX_DELAY} seconds, got {wait}",
                        r.name
                    );
                }
                TriggerWhen::NthPurchase { n } => {
                    ensure_config!(
                        n >= 1,
                        "rules.when.n",
                        "rule {:?}: purchases are counted from 1, got 0",
                        r.name
                    );
                }
                TriggerWhen::Reorder { factor } => {
                    ensure_config!(
                        factor > 0.0 && factor <= 100.0,
                        "rules.when.factor",
                        "rule {:?}: must be in (0, 100], got {factor}",
                        r.name
                    );
                }
                TriggerWhen::Event { ref on, .. } => {
                    ensure_config!(
                        !on.is_empty(),
                        "rules.when.on",
                        "rule {:?}: give at least one of events, event_prefix, event_regex, kinds, channels, campaigns",
                        r.name
                    );
                    on.regex("rules.when.on.event_regex", &r.name)?;
                }
                TriggerWhen::Abandoned {
                    ref start,
                    ref complete,
                    wait,
                } => {
                    for (field, m) in [("start", start), ("complete", complete)] {
                        ensure_config!(
                            !m.is_empty(),
                            format!("rules.when.{field}"),
                            "rule {:?}: give at least one of events, event_prefix, event_regex, kinds, channels, campaigns",
                            r.name
                        );
                        m.regex(&format!("rules.when.{field}.event_regex"), &r.name)?;
                    }
                    ensure_config!(
                        (1..=MAX_DELAY).contains(&wait),
                        "rules.when.wait",
                        "rule {:?}: must be 1 to {MAX_DELAY} seconds, got {wait}",
                        r.name
                    );
                }
                TriggerWhen::FirstTouch {}
                | TriggerWhen::Anniversary {}
                | TriggerWhen::AtRisk {} => {}
            }
        }
        if let Some(cap) = self.cap {
            ensure_config!(cap.max >= 1, "cap.max", "must be at least 1, got 0");
            ensure_config!(
                (1..=MAX_DELAY).contains(&cap.window),
                "cap.window",
                "must be 1 to {MAX_DELAY} seconds, got {}",
                cap.window
            );
        }
        if let Some(q) = self.quiet_hours {
            ensure_config!(
                q.from < 24 && q.to < 24 && q.from != q.to,
                "quiet_hours",
                "from and to must be different hours 0–23, got {} and {}",
                q.from,
                q.to
            );
            ensure_config!(
                (-1440..=1440).contains(&q.utc_offset_minutes),
                "quiet_hours.utc_offset_minutes",
                "must be within ±1440, got {}",
                q.utc_offset_minutes
            );
        }
        self.stages.validate()
    }
}

/// An action that is due.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::triggers::DueAction;
/// let a = DueAction { customer: 7, due: 3600, rule: "cart".into(), action: "cart_reminder".into() };
/// assert_eq!(serde_json::to_string(&a)?, r#"{"customer":7,"due":3600,"rule":"cart","action":"cart_reminder"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueAction {
    /// The customer.
    pub customer: u64,
    /// When the action is due (Unix seconds, after quiet hours).
    pub due: i64,
    /// The rule that fired.
    pub rule: String,
    /// The rule's action.
    pub action: String,
}

/// The saved form of an engine's state, format version 1 (see
/// [`persist`](crate::persist)): the configuration as JSON text, then the
/// counters and each customer's state in ascending id. The queue is not
/// saved: it is every customer's pending actions, rebuilt on load.
#[derive(Serialize, Deserialize)]
struct EngineWire {
    config: String,
    clock: Option<i64>,
    seq: u64,
    suppressed: u64,
    customers: Vec<CustomerWire>,
}

#[derive(Serialize, Deserialize)]
struct CustomerWire {
    profile: Profile,
    pending: Vec<Option<(i64, u64)>>,
    years: Vec<i64>,
    sent: Vec<i64>,
}

/// The format version of a saved trigger engine this library writes.
pub const ENGINE_FORMAT_VERSION: u16 = 1;
const ENGINE_MAGIC: [u8; 4] = *b"ENGT";

impl TriggerEngine {
    /// The saved form of the engine (see [`persist`](crate::persist)): its
    /// configuration and every customer's state, versioned and checksummed.
    /// An engine loaded from it behaves exactly as this one would.
    ///
    /// # Errors
    /// [`EngError::Json`] if the configuration cannot be written (never for
    /// a valid one).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, TouchpointColumns, TouchpointKind as K};
    /// use engagement_core::journey::triggers::{TriggerConfig, TriggerEngine};
    /// let cfg: TriggerConfig = serde_json::from_str(r#"{"rules": [
    ///     {"name": "cart", "action": "cart_reminder", "when": {"type": "abandoned_cart", "wait": 3600}}]}"#)?;
    /// let mut engine = TriggerEngine::new(cfg)?;
    /// engine.push(&TouchpointColumns { customer: &[1], time: &[100], channel: &[Channel::Web as u8],
    ///     kind: &[K::CartAdd as u8], value: &[0.0], ..Default::default() })?;
    /// let mut tomorrow = TriggerEngine::from_bytes(&engine.to_bytes()?)?;
    /// assert_eq!(tomorrow.pending(), 1);
    /// assert_eq!(tomorrow.advance(86_400)?, engine.advance(86_400)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut ids: Vec<u64> = self.customers.keys().copied().collect();
        ids.sort_unstable();
        let wire = EngineWire {
            config: serde_json::to_string(&self.config)?,
            clock: self.clock,
            seq: self.seq,
            suppressed: self.suppressed,
            customers: ids
                .iter()
                .map(|id| {
                    let c = &self.customers[id];
                    CustomerWire {
                        profile: c.profile.clone(),
                        pending: c.pending.clone(),
                        years: c.years.clone(),
                        sent: c.sent.iter().copied().collect(),
                    }
                })
                .collect(),
        };
        let payload = postcard::to_allocvec(&wire)
            .map_err(|e| crate::persist::corrupt(format!("cannot encode the engine: {e}")))?;
        Ok(crate::persist::frame(
            ENGINE_MAGIC,
            ENGINE_FORMAT_VERSION,
            &payload,
        ))
    }

    /// Reads a saved engine.
    ///
    /// # Errors
    /// [`EngError::Corrupt`] for bytes that are not a whole, intact saved
    /// engine of a known format version, or whose state does not fit its
    /// configuration; nothing is built from them.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        use crate::persist::corrupt;
        let (_version, payload) =
            crate::persist::unframe(bytes, ENGINE_MAGIC, ENGINE_FORMAT_VERSION, "trigger engine")?;
        let wire: EngineWire = postcard::from_bytes(payload)
            .map_err(|e| corrupt(format!("the saved engine does not decode: {e}")))?;
        let config: TriggerConfig = crate::limits::from_json(&wire.config)
            .map_err(|e| corrupt(format!("its configuration: {e}")))?;
        let mut engine =
            TriggerEngine::new(config).map_err(|e| corrupt(format!("its configuration: {e}")))?;
        let rules = engine.config.rules.len();
        if let Some(clock) = wire.clock
            && !(MIN_TIME..=MAX_TIME).contains(&clock)
        {
            return Err(corrupt(format!("its clock {clock} is out of range")));
        }
        let fingerprint = engine.signals.fingerprint();
        let mut previous = None;
        for c in wire.customers {
            let mut profile = c.profile;
            let id = profile.customer();
            if previous.is_some_and(|p| p >= id) {
                return Err(corrupt(format!(
                    "customer {id} is out of ascending order or repeated"
                )));
            }
            previous = Some(id);
            profile
                .check_consistent()
                .map_err(|e| corrupt(format!("customer {id}: {e}")))?;
            profile.rebind(fingerprint);
            if c.pending.len() != rules || c.years.len() != rules {
                return Err(corrupt(format!(
                    "customer {id} has state for {} rules, the configuration has {rules}",
                    c.pending.len()
                )));
            }
            for (rule, p) in c.pending.iter().enumerate() {
                if let Some((due, seq)) = *p {
                    if seq > wire.seq {
                        return Err(corrupt(format!(
                            "customer {id}'s pending action {seq} is after the engine's sequence {}",
                            wire.seq
                        )));
                    }
                    engine.queue.push(Reverse(Scheduled {
                        due,
                        customer: id,
                        rule,
                        seq,
                    }));
                }
            }
            engine.customers.insert(
                id,
                CustomerState {
                    profile,
                    pending: c.pending,
                    years: c.years,
                    sent: c.sent.into(),
                },
            );
        }
        engine.clock = wire.clock;
        engine.seq = wire.seq;
        engine.suppressed = wire.suppressed;
        Ok(engine)
    }

    /// Saves the engine to the file at `path`, replacing it whole (see
    /// [`to_bytes`](Self::to_bytes)).
    ///
    /// # Errors
    /// [`EngError::Io`] naming the file when it cannot be written.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        crate::persist::write_file(path.as_ref(), &self.to_bytes()?)
    }

    /// Loads an engine saved to the file at `path`.
    ///
    /// # Errors
    /// [`EngError::Io`] when the file cannot be read; [`EngError::Corrupt`]
    /// as [`from_bytes`](Self::from_bytes).
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::from_bytes(&crate::persist::read_file(path.as_ref())?)
    }
}

/// A scheduled action: ordered by due time, then customer, then rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Scheduled {
    due: i64,
    customer: u64,
    rule: usize,
    seq: u64,
}

#[derive(Debug, Clone)]
struct CustomerState {
    profile: Profile,
    /// Per rule: the scheduled action still valid, as (due, seq).
    pending: Vec<Option<(i64, u64)>>,
    /// Per rule: anniversaries already scheduled (for a once-only event
    /// rule: 1 once it has fired).
    years: Vec<i64>,
    /// Due times of the latest emitted actions (for the cap).
    sent: VecDeque<i64>,
}

/// Evaluates [`TriggerConfig`] rules on a touchpoint stream.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, TouchpointColumns, TouchpointKind as K};
/// use engagement_core::journey::triggers::{TriggerConfig, TriggerEngine};
/// let cfg: TriggerConfig = serde_json::from_str(r#"{"rules": [
///     {"name": "welcome", "action": "welcome_email", "when": {"type": "first_touch"}},
///     {"name": "cart", "action": "cart_reminder", "when": {"type": "abandoned_cart", "wait": 3600}}]}"#)?;
/// let mut engine = TriggerEngine::new(cfg)?;
/// let w = Channel::Web as u8;
/// // Customer 1 visits and fills a cart at t = 100; customer 2 fills one and buys.
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 2, 2],
///     time: &[0, 100, 50, 60],
///     channel: &[w; 4],
///     kind: &[K::Visit as u8, K::CartAdd as u8, K::CartAdd as u8, K::Purchase as u8],
///     value: &[0.0, 0.0, 0.0, 25.0],
///     ..Default::default()
/// };
/// let now = engine.push(&cols)?;
/// assert_eq!(now.len(), 2); // both welcomes
/// let later = engine.advance(10_000)?;
/// assert_eq!((later[0].customer, later[0].due, later[0].action.as_str()), (1, 3700, "cart_reminder"));
/// assert_eq!(later.len(), 1);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TriggerEngine {
    config: TriggerConfig,
    /// Per rule: the compiled `event_regex` of its first and second matchers.
    regexes: Vec<[Option<regex::Regex>; 2]>,
    stages: StageRules,
    signals: Signals,
    customers: HashMap<u64, CustomerState>,
    queue: BinaryHeap<Reverse<Scheduled>>,
    clock: Option<i64>,
    seq: u64,
    suppressed: u64,
}

impl TriggerEngine {
    /// Validates the configuration and starts an engine with no customers.
    ///
    /// # Errors
    /// As [`TriggerConfig::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::triggers::{TriggerConfig, TriggerEngine};
    /// let cfg: TriggerConfig = serde_json::from_str(
    ///     r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "anniversary"}}]}"#)?;
    /// let engine = TriggerEngine::new(cfg)?;
    /// assert_eq!((engine.customers(), engine.pending(), engine.suppressed(), engine.clock()), (0, 0, 0, None));
    /// assert_eq!(engine.config().rules[0].name, "r");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: TriggerConfig) -> Result<Self> {
        config.validate()?;
        let mut regexes = Vec::with_capacity(config.rules.len());
        for r in &config.rules {
            let [a, b] = r.when.matchers();
            regexes.push([
                a.map(|m| m.regex("rules.when", &r.name))
                    .transpose()?
                    .flatten(),
                b.map(|m| m.regex("rules.when", &r.name))
                    .transpose()?
                    .flatten(),
            ]);
        }
        Ok(TriggerEngine {
            regexes,
            stages: StageRules::new(config.stages.clone())?,
            signals: Signals::new(SignalConfig::default())?,
            config,
            customers: HashMap::new(),
            queue: BinaryHeap::new(),
            clock: None,
            seq: 0,
            suppressed: 0,
        })
    }

    /// The configuration (see [`new`](Self::new)).
    pub fn config(&self) -> &TriggerConfig {
        &self.config
    }

    /// The latest event time or `advance` time seen (`None` before any; see
    /// [`new`](Self::new) and [`push`](Self::push)).
    pub fn clock(&self) -> Option<i64> {
        self.clock
    }

    /// Customers seen so far (see [`new`](Self::new) and [`push`](Self::push)).
    pub fn customers(&self) -> usize {
        self.customers.len()
    }

    /// Actions scheduled and not yet due or cancelled (see [`push`](Self::push)).
    pub fn pending(&self) -> usize {
        self.customers
            .values()
            .map(|c| c.pending.iter().flatten().count())
            .sum()
    }

    /// Actions dropped by the frequency cap so far (see [`FrequencyCap`]).
    pub fn suppressed(&self) -> u64 {
        self.suppressed
    }

    /// Feeds touchpoints (sorted here by time, then customer, then content:
    /// the rule of [`TouchpointColumns`], "Equal times", so the row order of
    /// one push never matters) and returns the actions that became due up to
    /// the latest of them, in order of due time (equal due times in the order
    /// the stream decided them). Touchpoints of one second spread over several
    /// pushes are taken in arrival order; one batch and a feed give the same
    /// actions when the feed delivers each second in the push's order.
    ///
    /// # Errors
    /// As [`TouchpointColumns::validate`]; [`EngError::InvalidInput`] for a
    /// touchpoint before the engine's clock (the latest time already fed or
    /// advanced to). On error nothing is applied.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{TouchpointColumns, TouchpointKind as K};
    /// use engagement_core::journey::triggers::{TriggerConfig, TriggerEngine};
    /// let cfg: TriggerConfig = serde_json::from_str(
    ///     r#"{"rules": [{"name": "cart", "action": "remind", "when": {"type": "abandoned_cart", "wait": 60}}]}"#)?;
    /// let mut engine = TriggerEngine::new(cfg)?;
    /// let cart = [K::CartAdd as u8];
    /// assert!(engine.push(&TouchpointColumns { customer: &[1], time: &[100], channel: &[1], kind: &cart,
    ///     ..Default::default() })?.is_empty());
    /// assert_eq!(engine.pending(), 1);
    /// // The reminder is due at 160: a touchpoint at 200 releases it.
    /// let later = engine.push(&TouchpointColumns { customer: &[2], time: &[200], channel: &[1], kind: &[3],
    ///     ..Default::default() })?;
    /// assert_eq!((later[0].customer, later[0].due), (1, 160));
    /// // A touchpoint before the clock is refused.
    /// assert!(engine.push(&TouchpointColumns { customer: &[2], time: &[150], channel: &[1], kind: &[3],
    ///     ..Default::default() }).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, cols: &TouchpointColumns<'_>) -> Result<Vec<DueAction>> {
        self.push_events(cols, &PathColumns::default())
    }

    /// Feeds touchpoints as [`push`](Self::push) does, with their event
    /// labels and campaign ids (`extra`; session ids play no part), which
    /// rules of type `event` and `abandoned` may match. Equal times are
    /// ordered by content, then campaign, then event label.
    ///
    /// # Errors
    /// As [`push`](Self::push); [`EngError::LengthMismatch`] for an event or
    /// campaign column of another length; [`EngError::Config`] when a rule
    /// matches event labels or campaigns that `extra` does not give. On
    /// error nothing is applied.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{EventColumn, EventDictionary, TouchpointColumns};
    /// use engagement_core::journey::paths::PathColumns;
    /// use engagement_core::journey::triggers::{TriggerConfig, TriggerEngine};
    /// let cfg: TriggerConfig = serde_json::from_str(r#"{"rules": [{"name": "activate",
    ///     "action": "onboarding_email", "when": {"type": "abandoned", "wait": 259200,
    ///     "start": {"events": ["trial_started"]}, "complete": {"event_prefix": "project_"}}}]}"#)?;
    /// let mut engine = TriggerEngine::new(cfg)?;
    /// let mut dict = EventDictionary::new();
    /// // Customer 1 starts a trial and creates a project a day later; customer 2 never does.
    /// let codes = dict.intern_all(&["trial_started", "trial_started", "project_created"])?;
    /// let cols = TouchpointColumns { customer: &[1, 2, 1], time: &[0, 10, 86_400], ..Default::default() };
    /// let extra = PathColumns { events: Some(EventColumn::new(&codes, &dict)?), ..Default::default() };
    /// assert!(engine.push_events(&cols, &extra)?.is_empty());
    /// let due = engine.advance(400_000)?;
    /// assert_eq!((due.len(), due[0].customer, due[0].due), (1, 2, 259_210));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn push_events(
        &mut self,
        cols: &TouchpointColumns<'_>,
        extra: &PathColumns<'_>,
    ) -> Result<Vec<DueAction>> {
        let mut fill = Default::default();
        let cols = &crate::model::event_log(cols, &mut fill);
        let n = cols.validate()?;
        extra.check_lengths(n)?;
        for r in &self.config.rules {
            for m in r.when.matchers().into_iter().flatten() {
                ensure_config!(
                    !m.reads_events() || extra.events.is_some(),
                    "rules.when",
                    "rule {:?} matches event labels but none are given",
                    r.name
                );
                ensure_config!(
                    m.campaigns.is_empty() || !extra.campaign.is_empty(),
                    "rules.when",
                    "rule {:?} matches campaigns but no campaign ids are given",
                    r.name
                );
            }
        }
        // Per event code: the rules whose first (second) matcher takes its label.
        let by_label: Vec<[u64; 2]> = extra.events.map_or_else(Vec::new, |e| {
            e.dictionary()
                .labels()
                .iter()
                .map(|label| {
                    let mut bits = [0u64; 2];
                    for (r, rule) in self.config.rules.iter().enumerate() {
                        for (slot, m) in rule.when.matchers().into_iter().enumerate() {
                            if m.is_some_and(|m| {
                                m.matches_label(label, self.regexes[r][slot].as_ref())
                            }) {
                                bits[slot] |= 1 << r;
                            }
                        }
                    }
                    bits
                })
                .collect()
        });
        let ranks = extra
            .events
            .map(|e| e.dictionary().ranks())
            .unwrap_or_default();
        let ties = crate::model::TieColumns {
            campaign: extra.campaign,
            event: extra.events.map_or(&[], |e| e.codes()),
            event_rank: &ranks,
        };
        let mut order: Vec<usize> = (0..n).collect();
        // Time, then customer, then the content rule for equal times.
        order.sort_unstable_by_key(|&i| (cols.time[i], cols.customer[i]));
        let key = |i: usize| (cols.time[i], cols.customer[i]);
        cols.order_ties(&ties, &mut order, |&a, &b| key(a) == key(b), |&i| i);
        if let (Some(clock), Some(&first)) = (self.clock, order.first())
            && cols.time[first] < clock
        {
            return Err(EngError::invalid(
                "time",
                cols.time[first],
                format!(
                    "before the trigger engine's clock {clock}: events must arrive in time order"
                ),
            )
            .at_row(first));
        }
        let rows = order
            .iter()
            .map(|&i| cols.row(i).map(|tp| (i, tp)).map_err(|e| e.at_row(i)))
            .collect::<Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for (i, tp) in rows {
            let campaign = extra.campaign.get(i).copied();
            let label_bits = extra
                .events
                .map_or([u64::MAX; 2], |e| by_label[e.codes()[i] as usize]);
            let mut hits = [0u64; 2];
            for (r, rule) in self.config.rules.iter().enumerate() {
                for (slot, m) in rule.when.matchers().into_iter().enumerate() {
                    if m.is_some_and(|m| m.matches_row(&tp, campaign))
                        && label_bits[slot] >> r & 1 == 1
                    {
                        hits[slot] |= 1 << r;
                    }
                }
            }
            self.release(tp.time, &mut out);
            self.apply(&tp, hits);
            self.clock = Some(tp.time);
            self.release(tp.time, &mut out);
        }
        Ok(out)
    }

    /// Moves the clock to `now` and returns the actions due up to it.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] when `now` is before the clock or outside
    /// the supported times (1970 to 3000).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointColumns;
    /// use engagement_core::journey::triggers::{TriggerConfig, TriggerEngine};
    /// let cfg: TriggerConfig = serde_json::from_str(
    ///     r#"{"rules": [{"name": "hi", "action": "welcome", "when": {"type": "first_touch"}, "delay": 600}]}"#)?;
    /// let mut engine = TriggerEngine::new(cfg)?;
    /// engine.push(&TouchpointColumns { customer: &[1], time: &[0], channel: &[1], kind: &[3], ..Default::default() })?;
    /// assert!(engine.advance(599)?.is_empty());
    /// assert_eq!(engine.advance(600)?.len(), 1);
    /// assert!(engine.advance(10).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn advance(&mut self, now: impl IntoTime) -> Result<Vec<DueAction>> {
        let now = now.unix_seconds();
        if !(MIN_TIME..=MAX_TIME).contains(&now) {
            return Err(EngError::invalid(
                "now",
                now,
                format!("must lie within {MIN_TIME}..={MAX_TIME} (1970 to 3000)"),
            ));
        }
        if let Some(clock) = self.clock
            && now < clock
        {
            return Err(EngError::invalid(
                "now",
                now,
                format!("before the trigger engine's clock {clock}"),
            ));
        }
        let mut out = Vec::new();
        self.release(now, &mut out);
        self.clock = Some(now);
        Ok(out)
    }

    fn due(&self, base: i64, rule: usize) -> i64 {
        let t = base.saturating_add(self.config.rules[rule].delay);
        self.config.quiet_hours.map_or(t, |q| q.shift(t))
    }

    /// Replaces rule `rule`'s pending action of `customer` (none: cancel).
    fn schedule(&mut self, customer: u64, rule: usize, due: Option<i64>) {
        self.seq += 1;
        let seq = self.seq;
        if let Some(state) = self.customers.get_mut(&customer) {
            state.pending[rule] = due.map(|d| (d, seq));
        }
        if let Some(due) = due {
            self.queue.push(Reverse(Scheduled {
                due,
                customer,
                rule,
                seq,
            }));
        }
        // Rescheduled and cancelled actions stay in the queue until their time. Live ones are at
        // most one per customer and rule: past twice that, keep only the live ones (their order
        // is unchanged), so the queue stays within a constant factor of the customers' state.
        let bound = 2 * self.customers.len() * self.config.rules.len();
        if self.queue.len() > bound.max(1024) {
            self.compact();
        }
    }

    /// Drops the queue's entries that are no longer any customer's pending action.
    fn compact(&mut self) {
        let customers = &self.customers;
        let live: Vec<Reverse<Scheduled>> = std::mem::take(&mut self.queue)
            .into_vec()
            .into_iter()
            .filter(|Reverse(e)| {
                customers
                    .get(&e.customer)
                    .is_some_and(|c| c.pending[e.rule] == Some((e.due, e.seq)))
            })
            .collect();
        self.queue = BinaryHeap::from(live);
    }

    /// Applies a touchpoint; `hits[0]` (`hits[1]`): the rules whose first
    /// (second) matcher takes it.
    fn apply(&mut self, tp: &Touchpoint, hits: [u64; 2]) {
        let rules = self.config.rules.len();
        let signals = &self.signals;
        let state = self
            .customers
            .entry(tp.customer)
            .or_insert_with(|| CustomerState {
                profile: Profile::new(tp.customer, signals),
                pending: vec![None; rules],
                years: vec![0; rules],
                sent: VecDeque::new(),
            });
        let before = state.profile.clone();
        state.profile.add(tp, signals);
        let after = &state.profile;
        let stage_before = self.stages.stage_unchecked(&before, tp.time);
        let is_purchase = tp.kind == TouchpointKind::Purchase;
        let mut changes: Vec<(usize, Option<i64>)> = Vec::new();
        let current = |rule: usize| state.pending[rule].map(|p| p.0);
        for (r, rule) in self.config.rules.iter().enumerate() {
            match rule.when {
                TriggerWhen::FirstTouch {} => {
                    if before.last_interaction().is_none() && tp.kind.is_interaction() {
                        changes.push((r, Some(tp.time)));
                    }
                }
                TriggerWhen::Event { once, .. } => {
                    if hits[0] >> r & 1 == 1 && !(once && state.years[r] > 0) {
                        changes.push((r, Some(tp.time)));
                    }
                }
                TriggerWhen::Abandoned { wait, .. } => {
                    if hits[0] >> r & 1 == 1 {
                        changes.push((r, Some(tp.time.saturating_add(wait))));
                    } else if hits[1] >> r & 1 == 1 && current(r).is_some() {
                        changes.push((r, None));
                    }
                }
                TriggerWhen::AbandonedCart { wait } => {
                    if matches!(tp.kind, TouchpointKind::CartAdd | TouchpointKind::Checkout) {
                        changes.push((r, Some(tp.time.saturating_add(wait))));
                    } else if is_purchase && current(r).is_some() {
                        changes.push((r, None));
                    }
                }
                TriggerWhen::NthPurchase { n } => {
                    if is_purchase && after.purchases() == n {
                        changes.push((r, Some(tp.time)));
                    }
                }
                TriggerWhen::Reorder { factor } => {
                    if is_purchase {
                        // The interval is at least the stage rules' minimum, so that order
                        // lines stored as several purchases in one second do not fire at once.
                        let floor = self.config.stages.min_purchase_interval_days * 86_400.0;
                        let wait = after
                            .mean_purchase_interval()
                            .map(|m| (m.max(floor) * factor).round() as i64);
                        changes.push((r, wait.map(|w| tp.time.saturating_add(w))));
                    }
                }
                TriggerWhen::Anniversary {} => {
                    if is_purchase && after.purchases() == 1 {
                        changes.push((r, Some(crate::model::calendar::add_years(tp.time, 1))));
                    }
                }
                TriggerWhen::AtRisk {} => {
                    // Entering now (a churned customer who comes back silent on
                    // purchases) or later, when the silence since the last
                    // purchase passes its limit without churning first.
                    // Only a purchase can end an at-risk spell or move its
                    // start; other touchpoints can only keep a customer from
                    // churning first, so they never cancel a pending action.
                    let now = self.stages.stage_unchecked(after, tp.time);
                    let enter = after.last_purchase().map(|last| {
                        last.saturating_add(self.stages.at_risk_after(after))
                            .saturating_add(1)
                    });
                    if now == JourneyStage::AtRisk && stage_before != JourneyStage::AtRisk {
                        changes.push((r, Some(tp.time)));
                    } else if let Some(enter) = enter.filter(|&e| {
                        e > tp.time && self.stages.stage_unchecked(after, e) == JourneyStage::AtRisk
                    }) {
                        changes.push((r, Some(enter)));
                    } else if is_purchase {
                        changes.push((r, None));
                    }
                }
            }
        }
        for &(r, _) in &changes {
            if matches!(
                self.config.rules[r].when,
                TriggerWhen::Anniversary {} | TriggerWhen::Event { once: true, .. }
            ) {
                // Anniversaries: the first is scheduled; once-only events: fired.
                state.years[r] = 1;
            }
        }
        for (r, base) in changes {
            let due = base.map(|b| self.due(b, r));
            let unchanged = self
                .customers
                .get(&tp.customer)
                .is_some_and(|s| s.pending[r].map(|p| p.0) == due);
            if !unchanged {
                self.schedule(tp.customer, r, due);
            }
        }
    }

    /// Releases every valid action due at or before `upto`, applying the cap.
    fn release(&mut self, upto: i64, out: &mut Vec<DueAction>) {
        while let Some(&Reverse(next)) = self.queue.peek() {
            if next.due > upto {
                break;
            }
            self.queue.pop();
            let Some(state) = self.customers.get_mut(&next.customer) else {
                continue;
            };
            if state.pending[next.rule] != Some((next.due, next.seq)) {
                continue; // cancelled or rescheduled
            }
            state.pending[next.rule] = None;
            let allowed = match self.config.cap {
                None => true,
                Some(cap) => {
                    while state
                        .sent
                        .front()
                        .is_some_and(|&d| d <= next.due - cap.window)
                    {
                        state.sent.pop_front();
                    }
                    state.sent.len() < cap.max as usize
                }
            };
            let (is_anniversary, first, years) = {
                let rule = &self.config.rules[next.rule];
                if allowed {
                    if self.config.cap.is_some() {
                        state.sent.push_back(next.due);
                    }
                    out.push(DueAction {
                        customer: next.customer,
                        due: next.due,
                        rule: rule.name.clone(),
                        action: rule.action.clone(),
                    });
                } else {
                    self.suppressed += 1;
                }
                let is_anniversary = matches!(rule.when, TriggerWhen::Anniversary {});
                if is_anniversary {
                    state.years[next.rule] += 1;
                }
                (
                    is_anniversary,
                    state.profile.first_purchase(),
                    state.years[next.rule],
                )
            };
            // Anniversaries go on until the end of the supported time range.
            if let (true, Some(first)) = (is_anniversary, first) {
                let base = crate::model::calendar::add_years(first, years);
                if base <= MAX_TIME {
                    let due = self.due(base, next.rule);
                    self.schedule(next.customer, next.rule, Some(due));
                }
            }
        }
    }
}

/// Runs rules over a whole batch of touchpoints and then advances to
/// `until`: every action due up to `until`.
///
/// # Errors
/// As [`TriggerEngine::new`], [`TriggerEngine::push`] and
/// [`TriggerEngine::advance`] (`until` before the latest touchpoint).
///
/// # Examples
///
/// ```
/// use engagement_core::{TouchpointColumns, TouchpointKind as K};
/// use engagement_core::journey::triggers::{TriggerConfig, due_actions};
/// let cfg: TriggerConfig = serde_json::from_str(
///     r#"{"rules": [{"name": "second", "action": "thanks", "when": {"type": "nth_purchase", "n": 2}, "delay": 60}]}"#)?;
/// let p = K::Purchase as u8;
/// let cols = TouchpointColumns { customer: &[7, 7], time: &[0, 500], channel: &[1, 1], kind: &[p, p],
///     value: &[9.0, 9.0], ..Default::default() };
/// let actions = due_actions(&cols, &cfg, 1_000)?;
/// assert_eq!((actions[0].customer, actions[0].due), (7, 560));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn due_actions(
    cols: &TouchpointColumns<'_>,
    config: &TriggerConfig,
    until: impl IntoTime,
) -> Result<Vec<DueAction>> {
    let until = until.unix_seconds();
    let mut engine = TriggerEngine::new(config.clone())?;
    let mut out = engine.push(cols)?;
    out.extend(engine.advance(until)?);
    Ok(out)
}

/// [`due_actions`] with event labels and campaign ids beside the
/// touchpoints (see [`TriggerEngine::push_events`]).
///
/// # Errors
/// As [`TriggerEngine::new`], [`TriggerEngine::push_events`] and
/// [`TriggerEngine::advance`].
///
/// # Examples
///
/// ```
/// use engagement_core::{EventColumn, EventDictionary, TouchpointColumns};
/// use engagement_core::journey::paths::PathColumns;
/// use engagement_core::journey::triggers::{TriggerConfig, due_actions_with};
/// let cfg: TriggerConfig = serde_json::from_str(r#"{"rules": [{"name": "pricing", "action": "sales_call",
///     "when": {"type": "event", "on": {"events": ["pricing_page_view"]}, "once": true}, "delay": 3600}]}"#)?;
/// let mut dict = EventDictionary::new();
/// let codes = dict.intern_all(&["pricing_page_view", "pricing_page_view"])?;
/// let cols = TouchpointColumns { customer: &[5, 5], time: &[0, 7200], ..Default::default() };
/// let extra = PathColumns { events: Some(EventColumn::new(&codes, &dict)?), ..Default::default() };
/// let due = due_actions_with(&cols, &extra, &cfg, 100_000)?;
/// assert_eq!((due.len(), due[0].due), (1, 3600)); // once: the second view fires nothing
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn due_actions_with(
    cols: &TouchpointColumns<'_>,
    extra: &PathColumns<'_>,
    config: &TriggerConfig,
    until: impl IntoTime,
) -> Result<Vec<DueAction>> {
    let until = until.unix_seconds();
    let mut engine = TriggerEngine::new(config.clone())?;
    let mut out = engine.push_events(cols, extra)?;
    out.extend(engine.advance(until)?);
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::TouchpointTable;
    use crate::{Channel, TouchpointKind as K};

    const DAY: i64 = 86_400;

    fn config(json: &str) -> TriggerConfig {
        serde_json::from_str(json).unwrap()
    }

    fn table(rows: &[(u64, i64, K)]) -> TouchpointTable {
        let mut t = TouchpointTable::default();
        for &(c, time, kind) in rows {
            let tp = Touchpoint::new(c, time, Channel::Web, kind);
            t.push(&if kind == K::Purchase {
                tp.with_value(10.0)
            } else {
                tp
            });
        }
        t
    }

    fn run(cfg: &TriggerConfig, rows: &[(u64, i64, K)], until: i64) -> Vec<(u64, i64, String)> {
        due_actions(&table(rows).columns(), cfg, until)
            .unwrap()
            .into_iter()
            .map(|a| (a.customer, a.due, a.rule))
            .collect()
    }

    #[test]
    fn each_rule_fires_when_its_definition_says() {
        let cfg = config(
            r#"{"rules": [
            {"name": "welcome", "action": "w", "when": {"type": "first_touch"}, "delay": 10},
            {"name": "cart", "action": "c", "when": {"type": "abandoned_cart", "wait": 3600}},
            {"name": "second", "action": "t", "when": {"type": "nth_purchase", "n": 2}},
            {"name": "reorder", "action": "r", "when": {"type": "reorder", "factor": 1.5}},
            {"name": "anniversary", "action": "a", "when": {"type": "anniversary"}}]}"#,
        );
        // Customer 1: an impression (no welcome), a visit at 100 (welcome at 110), a cart at
        // 200 bought at 3799 (cancelled: the purchase comes before 3800), a cart at 5000 with
        // no purchase (reminder at 8600), a second purchase at 10 days (thanks; the mean
        // interval is 10 days − 3799 s, so the reorder reminder is due 1.5 intervals later).
        let second = 10 * DAY;
        let rows = [
            (1, 0, K::Impression),
            (1, 100, K::Visit),
            (1, 200, K::CartAdd),
            (1, 3799, K::Purchase),
            (1, 5000, K::Checkout),
            (1, second, K::Purchase),
        ];
        let interval = (second - 3799) as f64;
        let reorder = second + (1.5 * interval).round() as i64;
        let year = crate::model::calendar::add_years(3799, 1);
        let got = run(&cfg, &rows, 2 * 366 * DAY);
        let want = vec![
            (1, 110, "welcome".to_string()),
            (1, 8600, "cart".to_string()),
            (1, second, "second".to_string()),
            (1, reorder, "reorder".to_string()),
            (1, year, "anniversary".to_string()),
            (
                1,
                crate::model::calendar::add_years(3799, 2),
                "anniversary".to_string(),
            ),
        ];
        assert_eq!(got, want);
        assert_eq!(year, 3799 + 365 * DAY);
    }

    #[test]
    fn two_anniversary_rules_each_fire_every_year_and_advance_checks_its_range() {
        let cfg = config(
            r#"{"rules": [
            {"name": "mail", "action": "m", "when": {"type": "anniversary"}},
            {"name": "coupon", "action": "c", "when": {"type": "anniversary"}, "delay": 7}]}"#,
        );
        let got = run(&cfg, &[(1, 0, K::Purchase)], 3 * 366 * DAY);
        let years = |rule: &str| got.iter().filter(|a| a.2 == rule).count();
        assert_eq!((years("mail"), years("coupon")), (3, 3));
        let mut engine = TriggerEngine::new(cfg).unwrap();
        engine
            .push(&table(&[(1, 0, K::Purchase)]).columns())
            .unwrap();
        assert!(engine.advance(i64::MAX).is_err());
        // Up to 3000-01-01 00:00, the end of the supported range: the mail for each of the
        // 1030 anniversaries from 1971 to 3000, the coupon (7 s later) for 1029 of them.
        assert_eq!(engine.advance(MAX_TIME).unwrap().len(), 1030 + 1029);
        assert_eq!(engine.pending(), 1); // the last coupon, due 7 s after the range ends: no more after it
        // Order lines in one second: the reorder reminder waits the minimum interval (1 day).
        let reorder =
            config(r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "reorder"}}]}"#);
        let got = run(
            &reorder,
            &[(1, 100, K::Purchase), (1, 100, K::Purchase)],
            10 * DAY,
        );
        assert_eq!(got, [(1, 100 + DAY, "r".to_string())]);
    }

    #[test]
    fn rescheduled_actions_do_not_pile_up_in_the_queue() {
        // One customer adding to the cart every minute for a week: each add reschedules the
        // reminder; the queue keeps about one live entry, not ten thousand stale ones.
        let cfg = config(
            r#"{"rules": [{"name": "cart", "action": "c", "when": {"type": "abandoned_cart", "wait": 864000}}]}"#,
        );
        let mut engine = TriggerEngine::new(cfg).unwrap();
        let rows: Vec<(u64, i64, K)> = (0..10_080).map(|m| (1, m * 60, K::CartAdd)).collect();
        assert!(engine.push(&table(&rows).columns()).unwrap().is_empty());
        assert!(
            engine.queue.len() <= 1024,
            "queue holds {}",
            engine.queue.len()
        );
        assert_eq!(engine.pending(), 1);
        let due = engine.advance(20 * DAY).unwrap();
        assert_eq!((due.len(), due[0].due), (1, 10_079 * 60 + 864_000));
    }

    #[test]
    fn a_purchase_at_the_due_time_does_not_cancel_and_one_before_does() {
        let cfg = config(
            r#"{"rules": [{"name": "cart", "action": "c", "when": {"type": "abandoned_cart", "wait": 60}}]}"#,
        );
        let at = run(&cfg, &[(1, 0, K::CartAdd), (1, 60, K::Purchase)], 100);
        assert_eq!(at, [(1, 60, "cart".to_string())]);
        assert!(run(&cfg, &[(1, 0, K::CartAdd), (1, 59, K::Purchase)], 100).is_empty());
        // A second cart touchpoint restarts the wait.
        let again = run(&cfg, &[(1, 0, K::CartAdd), (1, 50, K::CartAdd)], 1000);
        assert_eq!(again, [(1, 110, "cart".to_string())]);
    }

    #[test]
    fn win_back_fires_on_entering_at_risk_as_stages_define_it() {
        let cfg = config(
            r#"{"rules": [{"name": "win_back", "action": "offer", "when": {"type": "at_risk"}}],
                "stages": {"default_purchase_interval_days": 10, "at_risk_factor": 2, "churn_window_days": 100}}"#,
        );
        // One purchase at 0: at risk after 2 × 10 days, i.e. from 20 days + 1 s.
        let enter = 20 * DAY + 1;
        assert_eq!(
            run(&cfg, &[(1, 0, K::Purchase)], 50 * DAY),
            [(1, enter, "win_back".to_string())]
        );
        // The stage rules agree: not at risk a second before, at risk then.
        let stages = StageRules::new(cfg.stages.clone()).unwrap();
        let store = crate::ProfileStore::from_columns(
            SignalConfig::default(),
            &table(&[(1, 0, K::Purchase)]).columns(),
        )
        .unwrap();
        let p = store.get(1).unwrap();
        assert_eq!(
            stages.stage_of(p, enter - 1).unwrap(),
            JourneyStage::NewCustomer
        );
        assert_eq!(stages.stage_of(p, enter).unwrap(), JourneyStage::AtRisk);
        // A purchase before then moves it (to 5 days + 2 × 10 days; the interval is at least
        // the 5 days between the purchases, so 2 × 5 days = 10 days after the second).
        let moved = run(
            &cfg,
            &[(1, 0, K::Purchase), (1, 5 * DAY, K::Purchase)],
            50 * DAY,
        );
        assert_eq!(moved, [(1, 15 * DAY + 1, "win_back".to_string())]);
        // Visits while at risk do not fire it again; a purchase ends the spell and a new
        // silence fires it once more.
        let rows = [
            (1, 0, K::Purchase),
            (1, 25 * DAY, K::Visit),
            (1, 30 * DAY, K::Purchase),
        ];
        // After the second purchase the mean interval is 30 days: at risk 60 days + 1 s later.
        assert_eq!(
            run(&cfg, &rows, 91 * DAY),
            [
                (1, enter, "win_back".to_string()),
                (1, 90 * DAY + 1, "win_back".to_string())
            ]
        );
        // Churned first (no touchpoint for 100 days with a 200-day at-risk limit): no win-back.
        let slow = config(
            r#"{"rules": [{"name": "win_back", "action": "offer", "when": {"type": "at_risk"}}],
                "stages": {"default_purchase_interval_days": 100, "churn_window_days": 100}}"#,
        );
        assert!(run(&slow, &[(1, 0, K::Purchase)], 400 * DAY).is_empty());
    }

    #[test]
    fn quiet_hours_move_actions_to_their_end() {
        let q = QuietHours {
            from: 22,
            to: 8,
            utc_offset_minutes: 60,
        };
        let h = 3600;
        // 21:30 UTC is 22:30 local: moved to 08:00 local = 07:00 UTC next day.
        assert_eq!(q.shift(21 * h + 1800), DAY + 7 * h);
        // 03:00 UTC is 04:00 local: moved to 07:00 UTC the same day.
        assert_eq!(q.shift(3 * h), 7 * h);
        // 12:00 UTC is outside.
        assert_eq!(q.shift(12 * h), 12 * h);
        let day_quiet = QuietHours {
            from: 12,
            to: 14,
            utc_offset_minutes: 0,
        };
        assert_eq!(day_quiet.shift(13 * h), 14 * h);
        assert_eq!(day_quiet.shift(14 * h), 14 * h);
        assert_eq!(day_quiet.shift(11 * h), 11 * h);
    }

    #[test]
    fn the_cap_drops_actions_beyond_it_and_counts_them() {
        let cfg = config(
            r#"{"rules": [
            {"name": "welcome", "action": "w", "when": {"type": "first_touch"}},
            {"name": "first", "action": "f", "when": {"type": "nth_purchase", "n": 1}},
            {"name": "second", "action": "s", "when": {"type": "nth_purchase", "n": 2}}],
            "cap": {"max": 2, "window": 100}}"#,
        );
        let mut engine = TriggerEngine::new(cfg).unwrap();
        let t = table(&[
            (1, 0, K::Purchase),
            (1, 50, K::Purchase),
            (1, 100, K::Visit),
        ]);
        let got = engine.push(&t.columns()).unwrap();
        // Welcome and first at 0; second at 50 is the third within 100 s: dropped.
        assert_eq!(got.len(), 2);
        assert_eq!(engine.suppressed(), 1);
        // Two actions at 0 leave the window after 100 s.
        let t2 = table(&[(2, 0, K::Purchase), (2, 100, K::Purchase)]);
        let got = due_actions(&t2.columns(), engine.config(), 100).unwrap();
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn late_events_are_rejected_and_leave_the_engine_as_it_was() {
        let cfg = config(
            r#"{"rules": [{"name": "cart", "action": "c", "when": {"type": "abandoned_cart", "wait": 60}}]}"#,
        );
        let mut engine = TriggerEngine::new(cfg.clone()).unwrap();
        engine
            .push(&table(&[(1, 100, K::CartAdd)]).columns())
            .unwrap();
        let late = table(&[(2, 150, K::CartAdd), (2, 99, K::Visit)]);
        let err = engine.push(&late.columns()).unwrap_err();
        assert!(err.to_string().contains("time order"), "{err}");
        assert!(engine.advance(50).is_err());
        assert_eq!((engine.pending(), engine.clock()), (1, Some(100)));
        let bad_value = TouchpointColumns {
            customer: &[3],
            time: &[200],
            channel: &[1],
            kind: &[4],
            value: &[f64::NAN],
            ..Default::default()
        };
        assert!(engine.push(&bad_value).is_err());
        assert_eq!(engine.advance(1000).unwrap().len(), 1);
    }

    #[test]
    fn bad_configurations_are_typed() {
        for bad in [
            r#"{"rules": []}"#,
            r#"{"rules": [{"name": "", "action": "a", "when": {"type": "first_touch"}}]}"#,
            r#"{"rules": [{"name": "r", "action": "", "when": {"type": "first_touch"}}]}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "first_touch"}, "delay": -1}]}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "abandoned_cart", "wait": 0}}]}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "reorder", "factor": 0}}]}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "first_touch"}},
                          {"name": "r", "action": "b", "when": {"type": "anniversary"}}]}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "first_touch"}}], "cap": {"max": 0, "window": 10}}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "first_touch"}}], "quiet_hours": {"from": 8, "to": 8}}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "first_touch"}}], "quiet_hours": {"from": 24, "to": 8}}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "first_touch"}}], "quiet_hours": {"from": 1, "to": 8, "utc_offset_minutes": -2147483648}}"#,
        ] {
            let e = TriggerEngine::new(config(bad)).unwrap_err();
            assert_eq!(e.kind(), "config", "{bad}: {e}");
        }
        for unknown in [
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "birthday"}}]}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "first_touch", "n": 2}}]}"#,
            r#"{"rules": [{"name": "r", "action": "a", "when": {"type": "first_touch"}}], "caps": null}"#,
        ] {
            assert!(
                serde_json::from_str::<TriggerConfig>(unknown).is_err(),
                "{unknown}"
            );
        }
    }

    /// Runs rules over (customer, time, event label, campaign) rows of an event log.
    fn run_events(
        cfg: &TriggerConfig,
        rows: &[(u64, i64, &str, u64)],
        until: i64,
    ) -> Result<Vec<(u64, i64, String)>> {
        let mut dict = crate::EventDictionary::new();
        let labels: Vec<&str> = rows.iter().map(|r| r.2).collect();
        let codes = dict.intern_all(&labels)?;
        let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let campaign: Vec<u64> = rows.iter().map(|r| r.3).collect();
        let cols = TouchpointColumns {
            customer: &customer,
            time: &time,
            ..Default::default()
        };
        let extra = PathColumns {
            events: Some(crate::EventColumn::new(&codes, &dict)?),
            campaign: &campaign,
            session: &[],
        };
        Ok(due_actions_with(&cols, &extra, cfg, until)?
            .into_iter()
            .map(|a| (a.customer, a.due, a.rule))
            .collect())
    }

    #[test]
    fn event_and_abandoned_rules_match_labels_campaigns_and_patterns() {
        let cfg = config(
            r#"{"rules": [
            {"name": "pricing", "action": "p", "when": {"type": "event", "on": {"events": ["pricing_page_view"]}}, "delay": 100},
            {"name": "first_pricing", "action": "f", "when": {"type": "event", "on": {"event_prefix": "pricing"}, "once": true}},
            {"name": "promo", "action": "c", "when": {"type": "event", "on": {"campaigns": [42]}}},
            {"name": "activate", "action": "a", "when": {"type": "abandoned", "wait": 1000,
                "start": {"events": ["trial_started"]}, "complete": {"event_regex": "^project_(created|imported)$"}}}]}"#,
        );
        // Customer 1: pricing at 0 and 50 (the second moves the pending action to 150; once-only
        // fires at 0), a trial at 200 completed at 700 (no reminder). Customer 2: a trial at 0
        // restarted at 500 (reminder at 1500); a project_deleted does not complete it; an email of
        // campaign 42 at 600.
        let rows = [
            (1, 0, "pricing_page_view", 0),
            (1, 50, "pricing_page_view", 0),
            (1, 200, "trial_started", 0),
            (1, 700, "project_imported", 0),
            (2, 0, "trial_started", 0),
            (2, 500, "trial_started", 0),
            (2, 550, "project_deleted", 0),
            (2, 600, "newsletter_open", 42),
        ];
        let got = run_events(&cfg, &rows, 10_000).unwrap();
        assert_eq!(
            got,
            [
                (1, 0, "first_pricing".to_string()),
                (1, 150, "pricing".into()),
                (2, 600, "promo".into()),
                (2, 1500, "activate".into()),
            ]
        );
        // Row order never matters.
        let mut reversed = rows;
        reversed.reverse();
        assert_eq!(run_events(&cfg, &reversed, 10_000).unwrap(), got);
        // Rules reading labels need them; an empty matcher and a bad pattern are refused.
        let e = due_actions(&table(&[(1, 0, K::Visit)]).columns(), &cfg, 10).unwrap_err();
        assert!(e.to_string().contains("\"pricing\""), "{e}");
        for bad in [
            r#"{"type": "event", "on": {}}"#,
            r#"{"type": "abandoned", "wait": 10, "start": {"events": ["a"]}, "complete": {"event_regex": "("}}"#,
            r#"{"type": "abandoned", "wait": 0, "start": {"events": ["a"]}, "complete": {"events": ["b"]}}"#,
        ] {
            let json = format!(r#"{{"rules": [{{"name": "r", "action": "a", "when": {bad}}}]}}"#);
            let cfg: TriggerConfig = serde_json::from_str(&json).unwrap();
            assert!(
                matches!(TriggerEngine::new(cfg), Err(EngError::Config { .. })),
                "{bad}"
            );
        }
    }

    fn all_rules() -> TriggerConfig {
        config(
            r#"{"rules": [
            {"name": "welcome", "action": "w", "when": {"type": "first_touch"}, "delay": 30},
            {"name": "cart", "action": "c", "when": {"type": "abandoned_cart", "wait": 200}},
            {"name": "third", "action": "t", "when": {"type": "nth_purchase", "n": 3}},
            {"name": "reorder", "action": "r", "when": {"type": "reorder"}},
            {"name": "anniversary", "action": "a", "when": {"type": "anniversary"}, "delay": 7},
            {"name": "win_back", "action": "b", "when": {"type": "at_risk"}}],
            "cap": {"max": 3, "window": 500},
            "quiet_hours": {"from": 1, "to": 2},
            "stages": {"default_purchase_interval_days": 0.01, "min_purchase_interval_days": 0.001,
                       "churn_window_days": 0.05}}"#,
        )
    }

    proptest::proptest! {
        #[test]
        fn prop_batch_and_one_by_one_give_the_same_actions(
            mut rows in proptest::collection::vec((1u64..5, 0i64..4000, 0usize..5), 1..60),
            cuts in proptest::collection::vec(0usize..60, 0..6),
        ) {
            let kinds = [K::Visit, K::CartAdd, K::Purchase, K::Checkout, K::Impression];
            // A feed in time order, each second in the order a push gives it
            // (customer, then kind): then any chunking gives the same actions.
            rows.sort_by_key(|r| (r.1, r.0, kinds[r.2] as u8));
            let rows: Vec<(u64, i64, K)> = rows.iter().map(|r| (r.0, r.1 * 60, kinds[r.2])).collect();
            let t = table(&rows);
            let cols = t.columns();
            let until = 400 * DAY;
            let cfg = all_rules();
            let batch = due_actions(&cols, &cfg, until).unwrap();
            // One by one.
            let mut engine = TriggerEngine::new(cfg.clone()).unwrap();
            let mut single = Vec::new();
            for i in 0..cols.len() {
                let one = table(&rows[i..=i]);
                single.extend(engine.push(&one.columns()).unwrap());
            }
            single.extend(engine.advance(until).unwrap());
            proptest::prop_assert_eq!(&batch, &single);
            // Any chunking, with advances in between at the next chunk's first time.
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(rows.len())).collect();
            cuts.push(0);
            cuts.push(rows.len());
            cuts.sort_unstable();
            cuts.dedup();
            let mut engine = TriggerEngine::new(cfg).unwrap();
            let mut chunked = Vec::new();
            for w in cuts.windows(2) {
                chunked.extend(engine.advance(rows[w[0]].1).unwrap());
                chunked.extend(engine.push(&table(&rows[w[0]..w[1]]).columns()).unwrap());
            }
            chunked.extend(engine.advance(until).unwrap());
            proptest::prop_assert_eq!(&batch, &chunked);
            // The same chunks with the engine saved after each and loaded
            // before the next (a nightly job): the same actions, the same state.
            let mut saved = TriggerEngine::new(all_rules()).unwrap().to_bytes().unwrap();
            let mut nightly = Vec::new();
            for w in cuts.windows(2) {
                let mut engine = TriggerEngine::from_bytes(&saved).unwrap();
                nightly.extend(engine.advance(rows[w[0]].1).unwrap());
                nightly.extend(engine.push(&table(&rows[w[0]..w[1]]).columns()).unwrap());
                saved = engine.to_bytes().unwrap();
            }
            let mut last = TriggerEngine::from_bytes(&saved).unwrap();
            nightly.extend(last.advance(until).unwrap());
            proptest::prop_assert_eq!(&batch, &nightly);
            proptest::prop_assert_eq!(last.to_bytes().unwrap(), engine.to_bytes().unwrap());
            // Due times never decrease, and every action is at or after the customer's first touchpoint.
            proptest::prop_assert!(batch.windows(2).all(|w| w[0].due <= w[1].due));
            // Without the cap, every customer with an interaction is welcomed once; with it,
            // nothing appears that the uncapped run lacks.
            let mut uncapped = all_rules();
            uncapped.cap = None;
            let free = due_actions(&cols, &uncapped, until).unwrap();
            let interacting: Vec<u64> = {
                let mut v: Vec<u64> = rows.iter().filter(|r| r.2 != K::Impression).map(|r| r.0).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let mut welcomed: Vec<u64> = free.iter().filter(|a| a.rule == "welcome").map(|a| a.customer).collect();
            welcomed.sort_unstable();
            proptest::prop_assert_eq!(interacting, welcomed);
            proptest::prop_assert!(batch.iter().all(|a| free.contains(a)));
        }
    }
}
