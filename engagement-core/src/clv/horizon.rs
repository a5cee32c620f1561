//! How far ahead a lifetime value looks: a calendar span (months, weeks,
//! days), converted with the model's time unit, or a duration already in
//! model time units.

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::transactions::Period;

/// Days in a month: a Gregorian year (365.2425 days) over 12.
pub const DAYS_PER_MONTH: f64 = 365.2425 / 12.0;

/// The horizon of [`DiscountOptions`](super::DiscountOptions) when none is given: 12 months.
pub const DEFAULT_HORIZON: Horizon = Horizon::Months(12.0);

/// A horizon. Its JSON form names its unit: `{"months": 12}`,
/// `{"weeks": 39}`, `{"days": 90}`, or `{"duration": 52.0}` in the model's
/// own time units. A month is [`DAYS_PER_MONTH`] days.
///
/// # Examples
///
/// ```
/// use engagement_core::clv::Horizon;
/// use engagement_core::transactions::Period;
/// let h: Horizon = serde_json::from_str(r#"{"months": 12}"#)?;
/// assert!((h.in_units(Some(Period::Day))? - 365.2425).abs() < 1e-9);
/// assert!((h.in_units(Some(Period::Week))? - 365.2425 / 7.0).abs() < 1e-9);
/// assert!(h.in_units(None).is_err()); // a model of unknown unit
/// assert_eq!(Horizon::Duration(52.0).in_units(None)?, 52.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Horizon {
    /// Calendar months of [`DAYS_PER_MONTH`] days.
    Months(f64),
    /// Weeks of 7 days.
    Weeks(f64),
    /// Days of 86 400 seconds.
    Days(f64),
    /// A duration in the model's own time unit (BG/BB: opportunities).
    Duration(f64),
}

impl Horizon {
    /// The horizon in time units of a model whose unit is `unit` (`None`:
    /// unknown).
    ///
    /// # Errors
    /// [`EngError::Config`] naming `horizon` for a value that is not finite
    /// and > 0, or for a calendar horizon when `unit` is `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::clv::Horizon;
    /// use engagement_core::transactions::Period;
    /// assert_eq!(Horizon::Weeks(39.0).in_units(Some(Period::Day))?, 273.0);
    /// assert_eq!(Horizon::Days(14.0).in_units(Some(Period::Week))?, 2.0);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn in_units(self, unit: Option<Period>) -> Result<f64> {
        let (value, days) = match self {
            Horizon::Months(m) => (m, Some(m * DAYS_PER_MONTH)),
            Horizon::Weeks(w) => (w, Some(w * 7.0)),
            Horizon::Days(d) => (d, Some(d)),
            Horizon::Duration(d) => (d, None),
        };
        crate::error::positive("horizon", value)?;
        let Some(days) = days else {
            return Ok(value);
        };
        let unit = unit.ok_or_else(|| {
            EngError::config(
                "horizon",
                "a calendar horizon needs the model's time unit, which is not known: set the \
                 model's unit (\"unit\": \"day\" or \"week\" in the model JSON or in the fit \
                 options; unit= in Python) or give the horizon as a duration in model time \
                 units ({\"duration\": 52.0})",
            )
        })?;
        Ok(days * 86_400.0 / unit.seconds() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_horizons_convert_with_the_unit() {
        // By hand: 12 months = 365.2425 days = 52.1775 weeks = 8765.82 hours.
        let m = Horizon::Months(12.0);
        assert!((m.in_units(Some(Period::Day)).unwrap() - 365.2425).abs() < 1e-12);
        assert!((m.in_units(Some(Period::Week)).unwrap() - 52.177_5).abs() < 1e-12);
        assert!((m.in_units(Some(Period::Hour)).unwrap() - 8_765.82).abs() < 1e-9);
        assert_eq!(
            Horizon::Weeks(39.0).in_units(Some(Period::Week)).unwrap(),
            39.0
        );
        assert_eq!(
            Horizon::Days(7.0).in_units(Some(Period::Week)).unwrap(),
            1.0
        );
    }

    #[test]
    fn a_unit_less_model_refuses_a_calendar_horizon() {
        for h in [
            Horizon::Months(12.0),
            Horizon::Weeks(1.0),
            Horizon::Days(1.0),
        ] {
            let e = h.in_units(None).unwrap_err();
            assert!(matches!(e, EngError::Config { .. }), "{e}");
            let text = e.to_string();
            assert!(text.contains("set the model's unit"), "{text}");
            assert!(text.contains("duration in model time units"), "{text}");
        }
        assert_eq!(Horizon::Duration(3.5).in_units(None).unwrap(), 3.5);
    }

    #[test]
    fn bad_values_are_config_errors() {
        for h in [
            Horizon::Months(0.0),
            Horizon::Duration(f64::NAN),
            Horizon::Days(-1.0),
        ] {
            assert!(matches!(
                h.in_units(Some(Period::Day)),
                Err(EngError::Config { .. })
            ));
        }
    }

    #[test]
    fn json_form_names_the_unit() {
        assert_eq!(
            serde_json::to_string(&Horizon::Weeks(39.0)).unwrap(),
            r#"{"weeks":39.0}"#
        );
        let h: Horizon = serde_json::from_str(r#"{"duration": 52}"#).unwrap();
        assert_eq!(h, Horizon::Duration(52.0));
        assert!(serde_json::from_str::<Horizon>(r#"{"months": 1, "weeks": 2}"#).is_err());
        assert!(serde_json::from_str::<Horizon>(r#"{"years": 1}"#).is_err());
    }
}
