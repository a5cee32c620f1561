//! Channels through which a customer is reached or acts.

use crate::model::codes::code_enum;

code_enum! {
    /// The channel of a touchpoint. Codes are stable across versions; new
    /// channels only ever get new codes.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::Channel;
    /// assert_eq!(Channel::try_from(2)?, Channel::MobileApp);
    /// assert_eq!("mobile_app".parse::<Channel>()?, Channel::MobileApp);
    /// assert_eq!(serde_json::to_string(&Channel::Sms)?, "\"sms\"");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Channel, "channel" {
        /// E-mail.
        Email = 0 => "email",
        /// Web site.
        Web = 1 => "web",
        /// Mobile app.
        MobileApp = 2 => "mobile_app",
        /// Social network.
        Social = 3 => "social",
        /// Phone call.
        Phone = 4 => "phone",
        /// Live chat or messaging.
        Chat = 5 => "chat",
        /// Physical store.
        Store = 6 => "store",
        /// Paid advertising.
        Ads = 7 => "ads",
        /// Text message.
        Sms = 8 => "sms",
        /// Push notification.
        Push = 9 => "push",
        /// Anything else.
        Other = 10 => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::codes::Code;

    #[test]
    fn codes_round_trip() {
        for (i, c) in Channel::ALL.iter().enumerate() {
            assert_eq!(usize::from(c.code()), i);
            assert_eq!(Channel::try_from(c.code()).unwrap(), *c);
            assert_eq!(c.label().parse::<Channel>().unwrap(), *c);
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.label()));
        }
        assert_eq!(Channel::COUNT, 11);
    }

    #[test]
    fn unknown_code_and_label_are_errors() {
        assert!(Channel::try_from(11).is_err());
        assert!(Channel::try_from(255).is_err());
        assert!("carrier pigeon".parse::<Channel>().is_err());
        assert_eq!("Mobile-App".parse::<Channel>().unwrap(), Channel::MobileApp);
    }
}
