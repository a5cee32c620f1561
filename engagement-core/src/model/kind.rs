//! What a touchpoint is: an impression, a click, a purchase …

use crate::model::codes::code_enum;

code_enum! {
    /// The kind of a touchpoint. Codes are stable across versions.
    ///
    /// Only [`Purchase`](TouchpointKind::Purchase) and
    /// [`Refund`](TouchpointKind::Refund) move money in a profile; the value of
    /// other kinds is kept as-is but not counted as revenue.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointKind;
    /// assert_eq!(TouchpointKind::try_from(4)?, TouchpointKind::Purchase);
    /// assert_eq!("survey_response".parse::<TouchpointKind>()?, TouchpointKind::SurveyResponse);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    TouchpointKind, "kind" {
        /// An ad or message was shown (passive).
        Impression = 0 => "impression",
        /// A message was opened.
        Open = 1 => "open",
        /// A link or call to action was clicked.
        Click = 2 => "click",
        /// A visit or session (web, app, store).
        Visit = 3 => "visit",
        /// A purchase; `value` is its amount.
        Purchase = 4 => "purchase",
        /// A refund; `value` is the (positive) amount refunded.
        Refund = 5 => "refund",
        /// A review was written (may carry a rating).
        Review = 6 => "review",
        /// The customer referred someone.
        Referral = 7 => "referral",
        /// The customer shared content.
        Share = 8 => "share",
        /// A contact with customer support.
        SupportContact = 9 => "support_contact",
        /// A complaint.
        Complaint = 10 => "complaint",
        /// An answer to a survey (NPS, CSAT, CES); carries a rating.
        SurveyResponse = 11 => "survey_response",
        /// An offer or coupon was redeemed.
        OfferRedeemed = 12 => "offer_redeemed",
        /// Anything else.
        Other = 13 => "other",
        /// An item was added to a shopping cart.
        CartAdd = 14 => "cart_add",
        /// A checkout was started (not yet paid; the payment is a purchase).
        Checkout = 15 => "checkout",
    }
}

impl TouchpointKind {
    /// True for every kind except [`Impression`](Self::Impression): an
    /// interaction is something the customer did, not something shown to them.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::TouchpointKind;
    /// assert!(!TouchpointKind::Impression.is_interaction());
    /// assert!(TouchpointKind::Click.is_interaction());
    /// ```
    pub fn is_interaction(self) -> bool {
        self != TouchpointKind::Impression
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::codes::Code;

    #[test]
    fn codes_round_trip() {
        for (i, k) in TouchpointKind::ALL.iter().enumerate() {
            assert_eq!(usize::from(k.code()), i);
            assert_eq!(TouchpointKind::try_from(k.code()).unwrap(), *k);
            assert_eq!(k.label().parse::<TouchpointKind>().unwrap(), *k);
        }
        assert_eq!(TouchpointKind::COUNT, 16);
        assert!(TouchpointKind::try_from(16).is_err());
        assert!(!TouchpointKind::Impression.is_interaction());
        assert!(TouchpointKind::Open.is_interaction());
    }
}
