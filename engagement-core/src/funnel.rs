//! Funnels: ordered steps over touchpoints, defined as data, with the
//! customers reaching each step, step and overall conversion with Wilson
//! intervals, drop-off and time to convert.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};
use crate::model::{Channel, TouchpointKind};
use crate::score::Proportion;

/// One funnel step: a touchpoint matches when its kind is one of `kinds`
/// and its channel one of `channels` (an empty list matches any).
///
/// # Examples
///
/// ```
/// use engagement_core::funnel::FunnelStep;
/// let s: FunnelStep = serde_json::from_str(r#"{"name": "visit", "kinds": ["visit"], "channels": ["web", "mobile_app"]}"#)?;
/// assert_eq!(s.channels.len(), 2);
/// assert!(serde_json::from_str::<FunnelStep>(r#"{"name": "cart", "kinds": ["add_to_cart"]}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunnelStep {
    /// Name shown in results.
    pub name: String,
    /// Kinds that match (any when empty).
    #[serde(default)]
    pub kinds: Vec<TouchpointKind>,
    /// Channels that match (any when empty).
    #[serde(default)]
    pub channels: Vec<Channel>,
}

impl FunnelStep {
    fn matches(&self, kind: u8, channel: u8) -> bool {
        (self.kinds.is_empty() || self.kinds.iter().any(|k| *k as u8 == kind))
            && (self.channels.is_empty() || self.channels.iter().any(|c| *c as u8 == channel))
    }
}

/// Whether other funnel steps may happen between two consecutive steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelOrder {
    /// Steps in order; anything may happen in between.
    #[default]
    Loose,
    /// Steps in order with no touchpoint matching another step in between.
    Strict,
}

/// A funnel as data.
///
/// | setting | default |
/// |---|---|
/// | `window` | 2 592 000 s (30 days from the first step) |
/// | `order` | `loose` |
/// | `level` | 0.95 (Wilson intervals) |
///
/// # Examples
///
/// ```
/// use engagement_core::funnel::Funnel;
/// let f: Funnel = serde_json::from_str(r#"{"steps": [
///     {"name": "opened", "kinds": ["open"], "channels": ["email"]},
///     {"name": "visited", "kinds": ["visit"]},
///     {"name": "bought", "kinds": ["purchase"]}], "window": 604800}"#)?;
/// assert_eq!(f.steps.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funnel {
    /// The steps, in order (at least one, at most 32).
    pub steps: Vec<FunnelStep>,
    /// Seconds from the first step within which the others must happen.
    #[serde(default = "thirty_days")]
    pub window: i64,
    /// Loose or strict order.
    #[serde(default)]
    pub order: FunnelOrder,
    /// Confidence level of the intervals.
    #[serde(default = "level")]
    pub level: f64,
}

fn thirty_days() -> i64 {
    30 * 86_400
}

fn level() -> f64 {
    0.95
}

/// Results per step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelResult {
    /// Step names.
    pub steps: Vec<String>,
    /// Customers reaching each step (each counted once however often they repeat it).
    pub customers: Vec<u64>,
    /// Customers reaching each step out of those reaching the one before (the
    /// first step: out of itself).
    pub step_conversion: Vec<Proportion>,
    /// Customers reaching each step out of those entering the funnel.
    pub overall_conversion: Vec<Proportion>,
    /// Customers lost since the previous step.
    pub drop_off: Vec<u64>,
    /// Median seconds from the first step to each step (null when nobody reached it).
    pub median_time: Vec<Option<f64>>,
    /// First quartile of the time to each step.
    pub p25_time: Vec<Option<f64>>,
    /// Third quartile of the time to each step.
    pub p75_time: Vec<Option<f64>>,
}

/// The deepest progress of one customer's attempt starting at touchpoint
/// `start` (indices into the customer's time-ordered rows): the time of
/// each step reached.
fn attempt(funnel: &Funnel, rows: &[(i64, u8, u8)], start: usize) -> Vec<i64> {
    let t0 = rows[start].0;
    let mut reached = vec![t0];
    let mut i = start + 1;
    while reached.len() < funnel.steps.len() && i < rows.len() {
        let (t, kind, channel) = rows[i];
        if t - t0 > funnel.window {
            break;
        }
        let next = &funnel.steps[reached.len()];
        if next.matches(kind, channel) {
            reached.push(t);
        } else if funnel.order == FunnelOrder::Strict
            && funnel
                .steps
                .iter()
                .enumerate()
                .any(|(k, s)| k != reached.len() && s.matches(kind, channel))
        {
            break;
        }
        i += 1;
    }
    reached
}

/// Linear-interpolation quantile of sorted values (numpy's default).
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

/// Runs a funnel over touchpoints: each customer enters at a touchpoint
/// matching the first step and progresses through the others in time order
/// within the window; of all the customer's entries the deepest progress
/// counts (the earliest among equals). Time to each step is measured from
/// that entry; quantiles interpolate linearly.
///
/// # Errors
/// As [`TouchpointColumns::validate`](crate::TouchpointColumns::validate);
/// [`EngError::Config`] for no steps or more than 32, a window that is not
/// positive, or a level outside (0, 1); [`EngError::EmptyInput`] when no
/// customer enters the funnel.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, TouchpointColumns, TouchpointKind as K};
/// use engagement_core::funnel::{Funnel, run_funnel};
/// let f: Funnel = serde_json::from_str(r#"{"steps": [{"name": "visit", "kinds": ["visit"]}, {"name": "buy", "kinds": ["purchase"]}]}"#)?;
/// let w = Channel::Web as u8;
/// let cols = TouchpointColumns {
///     customer: &[1, 1, 2, 3],
///     time: &[0, 3600, 0, 0],
///     channel: &[w, w, w, w],
///     kind: &[K::Visit as u8, K::Purchase as u8, K::Visit as u8, K::Purchase as u8],
///     ..Default::default()
/// };
/// let r = run_funnel(&cols, &f)?;
/// assert_eq!(r.customers, [2, 1]);            // customer 3 bought without the first step
/// assert_eq!(r.step_conversion[1].rate, 0.5);
/// assert_eq!(r.median_time[1], Some(3600.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_funnel(cols: &crate::TouchpointColumns<'_>, funnel: &Funnel) -> Result<FunnelResult> {
    cols.validate()?;
    let k = funnel.steps.len();
    ensure_config!(
        (1..=32).contains(&k),
        "steps",
        "a funnel needs 1 to 32 steps, got {k}"
    );
    ensure_config!(
        funnel.window > 0,
        "window",
        "must be > 0 seconds, got {}",
        funnel.window
    );
    crate::score::z_for_level(funnel.level)?;
    // Touchpoints that match no step cannot move a customer along (nor break
    // strict order): only the others are sorted into journeys.
    let order = cols.journey_order_where(|i| {
        funnel
            .steps
            .iter()
            .any(|s| s.matches(cols.kind[i], cols.channel[i]))
    });
    let mut reached = vec![0u64; k];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); k];
    // One buffer for every customer's rows: a million customers, not a million allocations.
    let mut rows: Vec<(i64, u8, u8)> = Vec::new();
    for customer in order.chunk_by(|&a, &b| cols.customer[a] == cols.customer[b]) {
        rows.clear();
        rows.extend(
            customer
                .iter()
                .map(|&i| (cols.time[i], cols.kind[i], cols.channel[i])),
        );
        if !rows.iter().any(|r| funnel.steps[0].matches(r.1, r.2)) {
            continue;
        }
        let mut best: Vec<i64> = Vec::new();
        for start in 0..rows.len() {
            if funnel.steps[0].matches(rows[start].1, rows[start].2) {
                let got = attempt(funnel, &rows, start);
                if got.len() > best.len() {
                    best = got;
                }
                if best.len() == k {
                    break;
                }
            }
        }
        for (step, &t) in best.iter().enumerate() {
            reached[step] += 1;
            times[step].push((t - best[0]) as f64);
        }
    }
    if reached[0] == 0 {
        return Err(EngError::EmptyInput {
            what: "the funnel".into(),
            unit: "customer entering it".into(),
        });
    }
    let mut out = FunnelResult {
        steps: funnel.steps.iter().map(|s| s.name.clone()).collect(),
        customers: reached.clone(),
        step_conversion: Vec::with_capacity(k),
        overall_conversion: Vec::with_capacity(k),
        drop_off: Vec::with_capacity(k),
        median_time: Vec::with_capacity(k),
        p25_time: Vec::with_capacity(k),
        p75_time: Vec::with_capacity(k),
    };
    for step in 0..k {
        let before = if step == 0 {
            reached[0]
        } else {
            reached[step - 1]
        };
        out.step_conversion.push(if before == 0 {
            // Nobody reached the previous step: an empty proportion, not an error.
            Proportion {
                successes: 0,
                trials: 0,
                rate: f64::NAN,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                level: funnel.level,
            }
        } else {
            Proportion::wilson(reached[step], before, funnel.level)?
        });
        out.overall_conversion
            .push(Proportion::wilson(reached[step], reached[0], funnel.level)?);
        out.drop_off.push(before - reached[step]);
        times[step].sort_by(f64::total_cmp);
        out.median_time.push(quantile(&times[step], 0.5));
        out.p25_time.push(quantile(&times[step], 0.25));
        out.p75_time.push(quantile(&times[step], 0.75));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TouchpointColumns;

    fn funnel(order: FunnelOrder) -> Funnel {
        let step = |name: &str, kind| FunnelStep {
            name: name.into(),
            kinds: vec![kind],
            channels: vec![],
        };
        Funnel {
            steps: vec![
                step("open", TouchpointKind::Open),
                step("click", TouchpointKind::Click),
                step("buy", TouchpointKind::Purchase),
            ],
            window: 100,
            order,
            level: 0.95,
        }
    }

    #[test]
    fn strict_order_breaks_on_another_step_and_counts_never_increase() {
        use TouchpointKind as K;
        // Customer 1: open, purchase, click, purchase — loose reaches all three; strict stops at
        // open (a purchase comes before the click).
        let cols = TouchpointColumns {
            customer: &[1, 1, 1, 1, 2, 2],
            time: &[0, 1, 2, 3, 0, 500],
            channel: &[0; 6],
            kind: &[
                K::Open as u8,
                K::Purchase as u8,
                K::Click as u8,
                K::Purchase as u8,
                K::Open as u8,
                K::Click as u8,
            ],
            ..Default::default()
        };
        let loose = run_funnel(&cols, &funnel(FunnelOrder::Loose)).unwrap();
        assert_eq!(loose.customers, [2, 1, 1]); // customer 2's click is outside the window
        let strict = run_funnel(&cols, &funnel(FunnelOrder::Strict)).unwrap();
        assert_eq!(strict.customers, [2, 0, 0]);
        assert!(strict.step_conversion[2].rate.is_nan() && strict.drop_off[1] == 2);
        assert!(strict.median_time[1].is_none());
        for r in [&loose, &strict] {
            assert!(r.customers.windows(2).all(|w| w[1] <= w[0]));
        }
    }

    proptest::proptest! {
        #[test]
        fn prop_counts_never_increase_and_strict_never_exceeds_loose(
            rows in proptest::collection::vec((1u64..6, 0i64..300, 0u8..4), 1..60),
        ) {
            use TouchpointKind as K;
            let kinds = [K::Open as u8, K::Click as u8, K::Purchase as u8, K::Visit as u8];
            let customer: Vec<u64> = rows.iter().map(|r| r.0).collect();
            let time: Vec<i64> = rows.iter().map(|r| r.1).collect();
            let kind: Vec<u8> = rows.iter().map(|r| kinds[usize::from(r.2)]).collect();
            let channel = vec![0u8; rows.len()];
            let cols = TouchpointColumns { customer: &customer, time: &time, channel: &channel, kind: &kind, ..Default::default() };
            match (run_funnel(&cols, &funnel(FunnelOrder::Loose)), run_funnel(&cols, &funnel(FunnelOrder::Strict))) {
                (Ok(loose), Ok(strict)) => {
                    for r in [&loose, &strict] {
                        proptest::prop_assert!(r.customers.windows(2).all(|w| w[1] <= w[0]));
                        proptest::prop_assert!(r.customers[0] <= 5);
                    }
                    for k in 0..3 {
                        proptest::prop_assert!(strict.customers[k] <= loose.customers[k]);
                    }
                }
                // Nobody opened: both fail the same way.
                (Err(a), Err(b)) => proptest::prop_assert_eq!(a.kind(), b.kind()),
                _ => proptest::prop_assert!(false, "loose and strict disagree on entering the funnel"),
            }
        }
    }

    #[test]
    fn bad_funnels_are_typed() {
        let cols = TouchpointColumns {
            customer: &[1],
            time: &[0],
            channel: &[0],
            kind: &[TouchpointKind::Click as u8],
            ..Default::default()
        };
        assert!(run_funnel(&cols, &funnel(FunnelOrder::Loose)).is_err()); // nobody opens
        let mut f = funnel(FunnelOrder::Loose);
        f.window = 0;
        assert!(run_funnel(&cols, &f).is_err());
        f.steps.clear();
        f.window = 10;
        assert!(run_funnel(&cols, &f).is_err());
    }
}
