//! Customers: who they are, independent of what they did.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};
use crate::model::Channel;
use crate::model::touchpoint::check_time;

/// A calendar birthday (the year is optional: many CRMs do not keep it).
///
/// # Examples
///
/// ```
/// use engagement_core::{Birthday, Customer};
/// let c = Customer::new(1).with_birthday(Birthday { month: 4, day: 31, year: None });
/// assert!(c.validate().is_err()); // April has 30 days
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Birthday {
    /// Month, 1–12.
    pub month: u8,
    /// Day of month, 1–31 (checked against the month; 29 February is allowed).
    pub day: u8,
    /// Year, if known.
    #[serde(default)]
    pub year: Option<i32>,
}

/// A customer record as a CRM holds it.
///
/// Registering customers is optional: a profile is created by a customer's
/// first touchpoint. Registering one tells the engine about customers who have
/// not interacted yet (prospects) and where and when they were acquired.
///
/// # Examples
///
/// ```
/// use engagement_core::{Birthday, Channel, Customer};
///
/// let c = Customer::new(42)
///     .acquired(1_700_000_000, Channel::Ads)
///     .with_birthday(Birthday { month: 2, day: 29, year: None });
/// c.validate()?;
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// The customer's id (the same id the touchpoints carry).
    pub id: u64,
    /// When the customer was acquired (first seen), Unix seconds.
    #[serde(default)]
    pub acquired_at: Option<i64>,
    /// The channel the customer was acquired through.
    #[serde(default)]
    pub acquisition_channel: Option<Channel>,
    /// Birthday, if known.
    #[serde(default)]
    pub birthday: Option<Birthday>,
    /// Free-form attributes (region, plan …) kept for segmentation.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

impl Customer {
    /// A customer with only an id.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::Customer;
    /// assert_eq!(Customer::new(9).id, 9);
    /// ```
    pub fn new(id: u64) -> Self {
        Customer {
            id,
            acquired_at: None,
            acquisition_channel: None,
            birthday: None,
            attributes: BTreeMap::new(),
        }
    }

    /// Sets acquisition time and channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Customer};
    /// assert_eq!(Customer::new(9).acquired(5, Channel::Sms).acquisition_channel, Some(Channel::Sms));
    /// ```
    #[must_use]
    pub fn acquired(mut self, time: i64, channel: Channel) -> Self {
        self.acquired_at = Some(time);
        self.acquisition_channel = Some(channel);
        self
    }

    /// Sets the birthday.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Birthday, Customer};
    /// let b = Birthday { month: 12, day: 24, year: Some(1990) };
    /// assert_eq!(Customer::new(9).with_birthday(b).birthday, Some(b));
    /// ```
    #[must_use]
    pub fn with_birthday(mut self, birthday: Birthday) -> Self {
        self.birthday = Some(birthday);
        self
    }

    /// Checks the acquisition time and the birthday.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] naming `acquired_at` or `birthday`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, Customer};
    /// assert!(Customer::new(9).acquired(0, Channel::Web).validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = self.acquired_at {
            check_time("acquired_at", t)?;
        }
        if let Some(b) = self.birthday {
            let max_day = match b.month {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 => 29,
                _ => 0,
            };
            if b.day == 0 || b.day > max_day {
                return Err(EngError::invalid(
                    "birthday",
                    format!("{:02}-{:02}", b.month, b.day),
                    "not a calendar day",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdays_are_checked() {
        let ok = Customer::new(1).with_birthday(Birthday {
            month: 2,
            day: 29,
            year: Some(2000),
        });
        ok.validate().unwrap();
        for (m, d) in [(2, 30), (13, 1), (4, 31), (1, 0)] {
            let bad = Customer::new(1).with_birthday(Birthday {
                month: m,
                day: d,
                year: None,
            });
            assert!(
                matches!(bad.validate(), Err(EngError::InvalidInput { ref field, .. }) if field == "birthday")
            );
        }
        assert!(
            Customer::new(1)
                .acquired(-5, Channel::Web)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn serde_rejects_unknown_fields() {
        let c: Customer =
            serde_json::from_str(r#"{"id": 3, "acquisition_channel": "store"}"#).unwrap();
        assert_eq!(c.acquisition_channel, Some(Channel::Store));
        assert!(serde_json::from_str::<Customer>(r#"{"id": 3, "nmae": "x"}"#).is_err());
    }
}
