//! Typed ids of segments, loyalty tiers and actions: a position in the list
//! of names that comes with each result (`SegmentMembership::names`,
//! `LoyaltyAccounts::tier_names`, `ActionColumns::action_names`), so that a
//! tier cannot be looked up among segment names by mistake.
//!
//! Each is a `u16` underneath (`#[repr(transparent)]`), serialises as the
//! bare number, and converts to `u16` and `usize` for the column paths the C
//! and Python faces read.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! index_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[repr(transparent)]
        pub struct $name(u16);

        impl $name {
            #[doc = concat!("The ", $what, " at position `index` of its list of names.")]
            pub const fn new(index: u16) -> Self {
                Self(index)
            }

            /// The position as a `u16`, the form the C and Python faces use.
            pub const fn get(self) -> u16 {
                self.0
            }

            /// The position, to index the list of names with.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl From<$name> for u16 {
            fn from(id: $name) -> u16 {
                id.0
            }
        }

        impl From<$name> for usize {
            fn from(id: $name) -> usize {
                usize::from(id.0)
            }
        }

        impl From<$name> for i32 {
            fn from(id: $name) -> i32 {
                i32::from(id.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($what, " #{}"), self.0)
            }
        }
    };
}

index_id!(
    /// A segment: its position (priority order) in a
    /// [`SegmentSet`](super::SegmentSet) and in
    /// [`SegmentMembership::names`](super::SegmentMembership::names).
    ///
    /// ```
    /// use engagement_core::segment::SegmentId;
    /// let id = SegmentId::new(1);
    /// assert_eq!((id.index(), u16::from(id), id.to_string()), (1, 1, "segment #1".to_string()));
    /// assert_eq!(serde_json::to_string(&Some(id)).unwrap(), "1");
    /// ```
    SegmentId,
    "segment"
);

index_id!(
    /// A loyalty tier: its position in
    /// [`LoyaltyConfig::tiers`](super::LoyaltyConfig::tiers) and in
    /// [`LoyaltyAccounts::tier_names`](super::LoyaltyAccounts::tier_names).
    ///
    /// ```
    /// use engagement_core::segment::TierId;
    /// assert!(TierId::new(0) < TierId::new(1));   // tiers ascend
    /// ```
    TierId,
    "tier"
);

index_id!(
    /// An action: its position in
    /// [`ActionColumns::action_names`](super::ActionColumns::action_names).
    ///
    /// ```
    /// use engagement_core::segment::ActionId;
    /// assert_eq!(usize::from(ActionId::new(2)), 2);
    /// ```
    ActionId,
    "action"
);
