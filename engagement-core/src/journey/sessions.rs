//! Sessions: a customer's touchpoints cut where they go quiet for longer
//! than a gap (30 minutes unless chosen), or grouped by a session id the
//! data already carries.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result, ensure_config};

/// The default inactivity gap that ends a session: 30 minutes, in seconds.
pub const DEFAULT_SESSION_GAP: i64 = 30 * 60;

/// How touchpoints become sessions.
///
/// | setting | default |
/// |---|---|
/// | `gap` | 1800 seconds (30 minutes): a touchpoint more than this after the customer's previous one starts a new session |
///
/// # Examples
///
/// ```
/// use engagement_core::journey::sessions::SessionConfig;
/// let c: SessionConfig = serde_json::from_str(r#"{"gap": 600}"#)?;
/// assert_eq!((c.gap, SessionConfig::default().gap), (600, 1800));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// Inactivity gap in seconds: a touchpoint more than `gap` seconds after
    /// the customer's previous touchpoint starts a new session (exactly
    /// `gap` seconds later stays in the session).
    pub gap: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            gap: DEFAULT_SESSION_GAP,
        }
    }
}

impl SessionConfig {
    /// Checks the gap: 1 second to 366 days.
    ///
    /// # Errors
    /// [`EngError::Config`] at `gap`.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            (1..=366 * 86_400).contains(&self.gap),
            "gap",
            "must be 1 to 31622400 seconds (366 days), got {}",
            self.gap
        );
        Ok(())
    }
}

/// The sessions of some touchpoints: one entry per session, ordered by
/// customer then start time (then the given session id), and the session of
/// every input row.
///
/// # Examples
///
/// ```
/// use engagement_core::journey::sessions::{SessionConfig, sessionize};
/// // Customer 7 at 0 s, 10 min, 50 min (40 minutes quiet: a new session), customer 3 once.
/// let s = sessionize(&[7, 7, 3, 7], &[0, 600, 100, 3000], &SessionConfig::default())?;
/// assert_eq!(s.customer, [3, 7, 7]);
/// assert_eq!(s.row_session, [1, 1, 0, 2]);
/// assert_eq!((s.start, s.end, s.events), (vec![100, 0, 3000], vec![100, 600, 3000], vec![1, 2, 1]));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sessions {
    /// Session of each input row: an index into the session columns.
    pub row_session: Vec<u32>,
    /// Customer of each session.
    pub customer: Vec<u64>,
    /// First touchpoint's time (Unix seconds).
    pub start: Vec<i64>,
    /// Last touchpoint's time (Unix seconds).
    pub end: Vec<i64>,
    /// Touchpoints in the session.
    pub events: Vec<u32>,
}

impl Sessions {
    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// True when there is no session.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// Counts over the sessions: customers, sessions per customer, duration
    /// (last minus first touchpoint, seconds), touchpoints per session, and
    /// the bounce rate (sessions of a single touchpoint).
    ///
    /// # Errors
    /// [`EngError::EmptyInput`] without sessions.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::journey::sessions::{SessionConfig, sessionize};
    /// let s = sessionize(&[7, 7, 3, 7], &[0, 600, 100, 3000], &SessionConfig::default())?;
    /// let m = s.summary()?;
    /// assert_eq!((m.sessions, m.customers, m.bounce_rate), (3, 2, 2.0 / 3.0));
    /// assert_eq!((m.sessions_per_customer, m.mean_duration, m.median_duration), (1.5, 200.0, 0.0));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn summary(&self) -> Result<SessionSummary> {
        let n = self.len();
        if n == 0 {
            return Err(EngError::EmptyInput {
                what: "a session summary".into(),
                unit: "session".into(),
            });
        }
        let customers = 1 + self.customer.windows(2).filter(|w| w[0] != w[1]).count();
        let mut durations: Vec<i64> = (0..n).map(|i| self.end[i] - self.start[i]).collect();
        let median_duration = median(&mut durations);
        let events: u64 = self.events.iter().map(|&e| u64::from(e)).sum();
        Ok(SessionSummary {
            sessions: n as u64,
            customers: customers as u64,
            sessions_per_customer: n as f64 / customers as f64,
            mean_duration: durations.iter().map(|&d| d as f64).sum::<f64>() / n as f64,
            median_duration,
            events_per_session: events as f64 / n as f64,
            bounce_rate: self.events.iter().filter(|&&e| e == 1).count() as f64 / n as f64,
        })
    }
}

/// Counts over sessions (see [`Sessions::summary`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// Sessions.
    pub sessions: u64,
    /// Customers with a session.
    pub customers: u64,
    /// Sessions per customer (mean).
    pub sessions_per_customer: f64,
    /// Mean duration, seconds (a single-touchpoint session lasts 0).
    pub mean_duration: f64,
    /// Median duration, seconds (the mean of the two middle ones for an even count).
    pub median_duration: f64,
    /// Touchpoints per session (mean).
    pub events_per_session: f64,
    /// Share of sessions with a single touchpoint.
    pub bounce_rate: f64,
}

/// The median of whole seconds (the mean of the two middle ones for an even
/// count), found by selection rather than a sort; reorders `values`.
fn median(values: &mut [i64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let (_, &mut hi, _) = values.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        return hi as f64;
    }
    // The lower middle is the largest of the values before the upper one.
    let lo = values[..n / 2].iter().copied().max().unwrap_or(hi);
    (lo as f64 + hi as f64) / 2.0
}

/// Cuts each customer's touchpoints (in time order) into sessions where
/// they go quiet for more than `config.gap` seconds.
///
/// # Errors
/// [`EngError::LengthMismatch`] for columns of different lengths;
/// [`EngError::InvalidInput`] for more than 2³² − 1 rows or a time outside
/// 1970..3000 (naming the row); [`EngError::Config`] for a bad gap.
pub fn sessionize(customer: &[u64], time: &[i64], config: &SessionConfig) -> Result<Sessions> {
    config.validate()?;
    check(customer, time, None)?;
    if let Some(s) = cut_counted(customer, time, config.gap) {
        return Ok(s);
    }
    if let Some((keyed, t_min)) = packed(customer, time) {
        return Ok(cut_packed(&keyed, t_min, config.gap));
    }
    build(
        customer,
        time,
        |_, prev_time, t, _| t - prev_time > config.gap,
        None,
    )
}

/// Sessions when customer ids span under 2²⁴ values and times under 2³²
/// seconds (the usual case; None otherwise), by a two-level counting sort
/// that keeps row order: rows are dealt into at most 256 buckets of nearby
/// customer ids (a pass that writes 256 streams, not 10 million scattered
/// places), then each bucket, in parallel, is counted into its customers'
/// places in cache, each customer's (seconds since the first time << 32 |
/// row) sorted (so by time, then row) and cut.
fn cut_counted(customer: &[u64], time: &[i64], gap: i64) -> Option<Sessions> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    let n = customer.len();
    let (c_min, c_max) = customer
        .par_iter()
        .fold(|| (u64::MAX, 0), |(a, b), &c| (a.min(c), b.max(c)))
        .reduce(|| (u64::MAX, 0), |x, y| (x.0.min(y.0), x.1.max(y.1)));
    let (t_min, t_max) = time
        .par_iter()
        .fold(|| (i64::MAX, i64::MIN), |(a, b), &t| (a.min(t), b.max(t)))
        .reduce(|| (i64::MAX, i64::MIN), |x, y| (x.0.min(y.0), x.1.max(y.1)));
    let bits = 64 - (c_max.wrapping_sub(c_min)).leading_zeros();
    if n == 0 || bits > 24 || t_max.abs_diff(t_min) > u64::from(u32::MAX) {
        return None;
    }
    let shift = bits.saturating_sub(8);
    let buckets = (((c_max - c_min) >> shift) + 1) as usize;
    let mut first = vec![0usize; buckets + 1];
    for &c in customer {
        first[((c - c_min) >> shift) as usize + 1] += 1;
    }
    for b in 1..=buckets {
        first[b] += first[b - 1];
    }
    let mut next = first.clone();
    let mut dealt: Vec<(u64, u32)> = vec![(0, 0); n];
    let low = (1u64 << shift) - 1;
    for i in 0..n {
        let d = customer[i] - c_min;
        let b = (d >> shift) as usize;
        dealt[next[b]] = ((time[i].abs_diff(t_min) << 32) | i as u64, (d & low) as u32);
        next[b] += 1;
    }
    drop(next);
    let slices: Vec<&[(u64, u32)]> = (0..buckets)
        .map(|b| &dealt[first[b]..first[b + 1]])
        .collect();
    // Each bucket: its sessions, its rows' keys in session order, and each one's session.
    let parts: Vec<(Sessions, Vec<u64>, Vec<u32>)> = slices
        .into_par_iter()
        .enumerate()
        .map(|(b, rows)| {
            let width = 1usize << shift;
            let mut place = vec![0u32; width + 1];
            for r in rows {
                place[r.1 as usize + 1] += 1;
            }
            for k in 1..=width {
                place[k] += place[k - 1];
            }
            let mut next = place.clone();
            let mut keys = vec![0u64; rows.len()];
            for r in rows {
                keys[next[r.1 as usize] as usize] = r.0;
                next[r.1 as usize] += 1;
            }
            let mut out = Sessions::default();
            let mut at = Vec::with_capacity(rows.len());
            for k in 0..width {
                let seg = &mut keys[place[k] as usize..place[k + 1] as usize];
                seg.sort_unstable();
                let mut prev: Option<i64> = None;
                for &key in seg.iter() {
                    let t = t_min + (key >> 32) as i64;
                    if prev.is_none_or(|p| t - p > gap) {
                        out.customer.push(c_min + ((b as u64) << shift) + k as u64);
                        out.start.push(t);
                        out.end.push(t);
                        out.events.push(0);
                    }
                    let s = out.customer.len() - 1;
                    out.end[s] = t;
                    out.events[s] += 1;
                    at.push(s as u32);
                    prev = Some(t);
                }
            }
            (out, keys, at)
        })
        .collect();
    drop(dealt);
    let mut offsets = Vec::with_capacity(parts.len());
    let mut total = 0u32;
    for p in &parts {
        offsets.push(total);
        total += p.0.len() as u32;
    }
    // Each row's session, written from every bucket in parallel.
    let row_session: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
    parts
        .par_iter()
        .zip(&offsets)
        .for_each(|((_, keys, at), &offset)| {
            for (key, s) in keys.iter().zip(at) {
                row_session[(key & 0xffff_ffff) as usize].store(offset + s, Ordering::Relaxed);
            }
        });
    let mut out = Sessions {
        row_session: row_session.into_iter().map(AtomicU32::into_inner).collect(),
        customer: Vec::with_capacity(total as usize),
        start: Vec::with_capacity(total as usize),
        end: Vec::with_capacity(total as usize),
        events: Vec::with_capacity(total as usize),
    };
    for (part, _, _) in parts {
        out.customer.extend(part.customer);
        out.start.extend(part.start);
        out.end.extend(part.end);
        out.events.extend(part.events);
    }
    Some(out)
}

/// Rows as (customer << 32 | seconds since the first time, row), sorted
/// (stable: equal keys keep row order), when customer ids and the span of
/// times fit 32 bits each (the usual case); with the first time.
fn packed(customer: &[u64], time: &[i64]) -> Option<(Vec<(u64, u32)>, i64)> {
    let t_min = time.iter().copied().min()?;
    let t_max = time.iter().copied().max()?;
    let c_max = customer.iter().copied().max()?;
    if c_max > u64::from(u32::MAX) || t_max.abs_diff(t_min) > u64::from(u32::MAX) {
        return None;
    }
    let mut keyed: Vec<(u64, u32)> = (0..customer.len())
        .map(|i| ((customer[i] << 32) | time[i].abs_diff(t_min), i as u32))
        .collect();
    radsort::sort_by_key(&mut keyed, |k| k.0);
    Some((keyed, t_min))
}

/// Sessions of packed, sorted rows (see [`packed`]): customer and time are
/// read from the key, so the only scattered access is the row's session.
fn cut_packed(keyed: &[(u64, u32)], t_min: i64, gap: i64) -> Sessions {
    let mut out = Sessions {
        row_session: vec![0; keyed.len()],
        ..Default::default()
    };
    let mut prev: Option<(u64, i64)> = None;
    for &(key, row) in keyed {
        let (c, t) = (key >> 32, t_min + (key & 0xffff_ffff) as i64);
        if prev.is_none_or(|(pc, pt)| pc != c || t - pt > gap) {
            out.customer.push(c);
            out.start.push(t);
            out.end.push(t);
            out.events.push(0);
        }
        let s = out.customer.len() - 1;
        out.end[s] = t;
        out.events[s] += 1;
        out.row_session[row as usize] = s as u32;
        prev = Some((c, t));
    }
    out
}

/// Groups touchpoints by the session ids the data carries (`session`, one
/// per row): a session is a customer's rows with one id; sessions are
/// ordered by customer, then start, then id.
///
/// # Errors
/// As [`sessionize`].
///
/// # Examples
///
/// ```
/// use engagement_core::journey::sessions::sessions_by_id;
/// let s = sessions_by_id(&[1, 1, 1], &[0, 5, 9], &[20, 10, 20])?;
/// assert_eq!((s.row_session, s.events), (vec![0, 1, 0], vec![2, 1]));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub fn sessions_by_id(customer: &[u64], time: &[i64], session: &[u64]) -> Result<Sessions> {
    check(customer, time, Some(session))?;
    build(customer, time, |_, _, _, _| false, Some(session))
}

fn check(customer: &[u64], time: &[i64], session: Option<&[u64]>) -> Result<()> {
    let n = customer.len();
    crate::limits::check_rows("touchpoints", n)?;
    for (field, len) in [
        ("time", time.len()),
        ("session", session.map_or(n, <[u64]>::len)),
    ] {
        if len != n {
            return Err(EngError::LengthMismatch {
                field: field.into(),
                expected: n,
                found: len,
            });
        }
    }
    for (i, &t) in time.iter().enumerate() {
        crate::model::touchpoint::check_time("time", t).map_err(|e| e.at_row(i))?;
    }
    Ok(())
}

/// The rows in the order sessions are cut in: by customer, session id (when
/// given), time, then row (by comparison; see [`packed`] for the usual case
/// without ids).
fn sorted_rows(customer: &[u64], time: &[i64], session: Option<&[u64]>) -> Vec<u32> {
    let n = customer.len();
    let id = |i: usize| session.map_or(0, |s| s[i]);
    let mut order: Vec<u32> = (0..n as u32).collect();
    // With ids: by customer, id, time; the sessions are then put in start order.
    order.sort_unstable_by_key(|&i| {
        let i = i as usize;
        (customer[i], id(i), time[i], i)
    });
    order
}

/// Sessions of rows sorted by (customer, session id or nothing, time):
/// `cut(prev_row, prev_time, time, row)` starts a new session inside a
/// customer's (and id's) rows.
fn build(
    customer: &[u64],
    time: &[i64],
    cut: impl Fn(usize, i64, i64, usize) -> bool,
    session: Option<&[u64]>,
) -> Result<Sessions> {
    let n = customer.len();
    let id = |i: usize| session.map_or(0, |s| s[i]);
    let order = sorted_rows(customer, time, session);
    let mut out = Sessions {
        row_session: vec![0; n],
        ..Default::default()
    };
    for (k, &i) in order.iter().enumerate() {
        let i = i as usize;
        let new = match k.checked_sub(1).map(|p| order[p] as usize) {
            None => true,
            Some(p) => customer[p] != customer[i] || id(p) != id(i) || cut(p, time[p], time[i], i),
        };
        if new {
            out.customer.push(customer[i]);
            out.start.push(time[i]);
            out.end.push(time[i]);
            out.events.push(0);
        }
        let s = out.customer.len() - 1;
        out.end[s] = time[i];
        out.events[s] += 1;
        out.row_session[i] = s as u32;
    }
    if session.is_some() {
        // Sessions of one customer in order of start, then id.
        let mut by_start: Vec<usize> = (0..out.len()).collect();
        let first_id: Vec<u64> = {
            let mut f = vec![0; out.len()];
            for i in 0..n {
                f[out.row_session[i] as usize] = id(i);
            }
            f
        };
        by_start.sort_by_key(|&s| (out.customer[s], out.start[s], first_id[s]));
        let mut rank = vec![0u32; out.len()];
        for (r, &s) in by_start.iter().enumerate() {
            rank[s] = r as u32;
        }
        let pick = |v: &Vec<i64>| by_start.iter().map(|&s| v[s]).collect::<Vec<_>>();
        out = Sessions {
            row_session: out.row_session.iter().map(|&s| rank[s as usize]).collect(),
            customer: by_start.iter().map(|&s| out.customer[s]).collect(),
            start: pick(&out.start),
            end: pick(&out.end),
            events: by_start.iter().map(|&s| out.events[s]).collect(),
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_gap_itself_stays_in_the_session() {
        let s = sessionize(&[1, 1, 1], &[0, 1800, 3601], &SessionConfig::default()).unwrap();
        assert_eq!(s.row_session, [0, 0, 1]);
        assert!(sessionize(&[1], &[0], &SessionConfig { gap: 0 }).is_err());
        assert!(matches!(
            sessionize(&[1, 2], &[0], &SessionConfig::default()),
            Err(EngError::LengthMismatch { .. })
        ));
        assert!(matches!(
            Sessions::default().summary(),
            Err(EngError::EmptyInput { .. })
        ));
    }

    #[test]
    fn medians_take_the_middle_or_the_mean_of_the_two_middle_values() {
        assert_eq!(median(&mut [10, 1, 3, 2]), 2.5);
        assert_eq!(median(&mut [7, 1, 3]), 3.0);
        assert_eq!(median(&mut [4]), 4.0);
        assert_eq!(median(&mut [5, 5, 1, 9]), 5.0);
        assert!(median(&mut []).is_nan());
    }

    proptest! {
        /// Row order changes no session, only which row points where.
        #[test]
        fn prop_row_order_changes_no_session(
            rows in proptest::collection::vec((1u64..4, 0i64..20_000, 0u64..3), 1..200),
            rotate in 0usize..200,
        ) {
            let k = rotate % rows.len();
            let mut moved = rows.clone();
            moved.rotate_left(k);
            let cols = |r: &[(u64, i64, u64)]| (
                r.iter().map(|x| x.0).collect::<Vec<_>>(),
                r.iter().map(|x| x.1).collect::<Vec<_>>(),
                r.iter().map(|x| x.2).collect::<Vec<_>>(),
            );
            let (c, t, id) = cols(&rows);
            let (c2, t2, id2) = cols(&moved);
            for by_id in [false, true] {
                let run = |c: &[u64], t: &[i64], id: &[u64]| if by_id {
                    sessions_by_id(c, t, id).unwrap()
                } else {
                    sessionize(c, t, &SessionConfig { gap: 1800 }).unwrap()
                };
                let a = run(&c, &t, &id);
                let b = run(&c2, &t2, &id2);
                prop_assert_eq!((&a.customer, &a.start, &a.end, &a.events), (&b.customer, &b.start, &b.end, &b.events));
                let mut expected = a.row_session.clone();
                expected.rotate_left(k);
                prop_assert_eq!(&b.row_session, &expected);
                // Every session's rows are its customer's and within its span.
                for i in 0..c.len() {
                    let s = a.row_session[i] as usize;
                    prop_assert!(a.customer[s] == c[i] && a.start[s] <= t[i] && t[i] <= a.end[s]);
                }
            }
        }

        /// The three ways of cutting (counting sort, packed radix sort,
        /// comparison sort) give the same sessions, ties in time included.
        #[test]
        fn prop_every_cut_agrees(
            rows in proptest::collection::vec((0u64..5, 0i64..10_000), 1..300),
            far in proptest::bool::ANY,
            gap in 1i64..3_000,
        ) {
            // `far` spreads the ids too wide for the counting sort.
            let c: Vec<u64> = rows.iter().map(|r| if far { r.0 << 25 } else { r.0 * 977 + 1_000 }).collect();
            let t: Vec<i64> = rows.iter().map(|r| 1_700_000_000 + r.1).collect();
            let general = build(&c, &t, |_, p, t, _| t - p > gap, None).unwrap();
            let counted = cut_counted(&c, &t, gap);
            let spread = c.iter().max().unwrap() - c.iter().min().unwrap();
            prop_assert_eq!(counted.is_none(), spread >= 1 << 24);
            let (keyed, t_min) = packed(&c, &t).unwrap();
            for s in counted.into_iter().chain([cut_packed(&keyed, t_min, gap)]) {
                prop_assert_eq!(&s, &general);
            }
        }
    }
}
