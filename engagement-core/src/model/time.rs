//! Instants and spans at the API's edge. Inside, times are Unix seconds
//! (`i64`, UTC) and spans whole seconds; a function that takes an instant
//! takes anything that is [`IntoTime`] (Unix seconds as `i64`, a
//! [`SystemTime`], or with the `jiff` feature a `jiff::Timestamp`), and a
//! function or builder that takes a span takes anything that is
//! [`IntoSpan`] (a [`Duration`], [`Seconds`] spelled out, or with `jiff` a
//! `jiff::SignedDuration`), never a bare integer, so an instant and a span
//! cannot be swapped.
//!
//! # Examples
//!
//! ```
//! use engagement_core::model::time::{IntoSpan, IntoTime};
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! assert_eq!(1_700_000_000_i64.unix_seconds(), 1_700_000_000);
//! assert_eq!((UNIX_EPOCH + Duration::from_secs(86_400)).unix_seconds(), 86_400);
//! assert_eq!(Duration::from_secs(30 * 86_400).seconds(), 2_592_000);
//! assert!(SystemTime::now().unix_seconds() > 1_700_000_000);
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An instant, as the API takes one: converted to Unix seconds (UTC), a
/// fraction of a second dropped (towards the past). Instants outside
/// 1970..3000 are refused by the function that takes them, as Unix seconds
/// are.
pub trait IntoTime {
    /// Unix seconds.
    fn unix_seconds(self) -> i64;
}

impl IntoTime for i64 {
    fn unix_seconds(self) -> i64 {
        self
    }
}

/// So that a literal (`score_store(&store, 1_700_000_000)`) reads as Unix
/// seconds without a suffix.
impl IntoTime for i32 {
    fn unix_seconds(self) -> i64 {
        i64::from(self)
    }
}

impl IntoTime for SystemTime {
    fn unix_seconds(self) -> i64 {
        match self.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => {
                let d = before.duration();
                let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                -whole - i64::from(d.subsec_nanos() > 0)
            }
        }
    }
}

#[cfg(feature = "jiff")]
impl IntoTime for jiff::Timestamp {
    fn unix_seconds(self) -> i64 {
        // jiff truncates towards zero; a fraction before the epoch goes back.
        self.as_second() - i64::from(self.subsec_nanosecond() < 0)
    }
}

/// A span of time, as the API takes one: converted to whole seconds (a
/// fraction dropped). Not implemented for integers, so that an instant
/// cannot be given where a span is meant.
pub trait IntoSpan {
    /// Whole seconds.
    fn seconds(self) -> i64;
}

impl IntoSpan for Duration {
    fn seconds(self) -> i64 {
        i64::try_from(self.as_secs()).unwrap_or(i64::MAX)
    }
}

/// A span given as a number of seconds, spelled out: what the C and Python
/// faces pass on (a negative or zero span is refused by the function that
/// takes it, as a `Duration` cannot say).
///
/// # Examples
///
/// ```
/// use engagement_core::model::time::{IntoSpan, Seconds};
/// assert_eq!(Seconds(3_600).seconds(), 3_600);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seconds(pub i64);

impl IntoSpan for Seconds {
    fn seconds(self) -> i64 {
        self.0
    }
}

#[cfg(feature = "jiff")]
impl IntoSpan for jiff::SignedDuration {
    fn seconds(self) -> i64 {
        self.as_secs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_before_the_epoch_round_towards_the_past() {
        let t = UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(t.unix_seconds(), -2);
        assert_eq!((UNIX_EPOCH - Duration::from_secs(3)).unix_seconds(), -3);
        assert_eq!((UNIX_EPOCH + Duration::from_millis(2500)).unix_seconds(), 2);
    }

    #[cfg(feature = "jiff")]
    #[test]
    fn jiff_instants_and_spans_are_unix_seconds() {
        let t: jiff::Timestamp = "2026-12-07T00:00:00Z".parse().unwrap();
        assert_eq!(t.unix_seconds(), 1_796_601_600);
        let before: jiff::Timestamp = "1969-12-31T23:59:58.5Z".parse().unwrap();
        assert_eq!(before.unix_seconds(), -2);
        assert_eq!(jiff::SignedDuration::from_hours(24).seconds(), 86_400);
    }
}
