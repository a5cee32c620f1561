//! Journey stages, from prospect to advocate, plus at risk and churned.

use crate::model::codes::code_enum;

code_enum! {
    /// Where a customer stands in the journey at a given time.
    ///
    /// The rules that assign a stage live in [`StageConfig`](crate::StageConfig)
    /// and [`stage_of`](crate::stage_of).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::JourneyStage;
    /// assert_eq!(JourneyStage::try_from(5)?, JourneyStage::Advocate);
    /// assert_eq!(JourneyStage::AtRisk.to_string(), "at_risk");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    JourneyStage, "stage" {
        /// Known, but no purchase and no recent interaction.
        Prospect = 0 => "prospect",
        /// Recent interactions, no purchase yet.
        Engaged = 1 => "engaged",
        /// Exactly one purchase.
        NewCustomer = 2 => "new_customer",
        /// Two or more purchases.
        Repeat = 3 => "repeat",
        /// Frequent and recent purchases.
        Loyal = 4 => "loyal",
        /// Loyal, plus a referral or a promoter rating.
        Advocate = 5 => "advocate",
        /// A buyer silent for longer than their own purchase rhythm predicts.
        AtRisk = 6 => "at_risk",
        /// A buyer silent beyond the churn window.
        Churned = 7 => "churned",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::codes::Code;

    #[test]
    fn codes_round_trip() {
        for (i, s) in JourneyStage::ALL.iter().enumerate() {
            assert_eq!(usize::from(s.code()), i);
            assert_eq!(s.label().parse::<JourneyStage>().unwrap(), *s);
        }
        assert!(JourneyStage::try_from(8).is_err());
    }
}
