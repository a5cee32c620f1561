//! Shared machinery for the small `#[repr(u8)]` enumerations that cross the C
//! and Python boundaries as integer codes and as text labels.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{EngError, Result};

/// An enumeration with stable integer codes and snake_case labels.
///
/// Implemented by [`Channel`](crate::Channel), [`TouchpointKind`](crate::TouchpointKind),
/// [`RatingScale`](crate::RatingScale)
/// and [`JourneyStage`](crate::JourneyStage).
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, Code, JourneyStage};
/// assert_eq!(Channel::from_code(6)?, Channel::Store);
/// assert_eq!(JourneyStage::Loyal.label(), "loyal");
/// assert_eq!(Channel::ALL.len(), Channel::COUNT);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
pub trait Code: Copy + Eq + Ord + Sized + 'static {
    /// Name of the enumeration, used in error messages (`"channel"` …).
    const FIELD: &'static str;
    /// Every value, in code order; `ALL[i].code() == i`.
    const ALL: &'static [Self];
    /// The stable integer code.
    fn code(self) -> u8;
    /// The canonical snake_case label (also the serde name).
    fn label(self) -> &'static str;
    /// Decodes an integer code; an unknown code is an [`EngError::InvalidInput`].
    fn from_code(code: u8) -> Result<Self> {
        Self::ALL.get(usize::from(code)).copied().ok_or_else(|| {
            EngError::invalid(
                Self::FIELD,
                code,
                format!("unknown code; valid codes are 0..={}", Self::ALL.len() - 1),
            )
        })
    }
    /// Decodes a column of integer codes; an unknown code is an
    /// [`EngError::InvalidInput`] naming its row.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Code, JourneyStage};
    /// assert_eq!(JourneyStage::from_codes(&[0, 4])?, [JourneyStage::Prospect, JourneyStage::Loyal]);
    /// assert!(JourneyStage::from_codes(&[0, 99]).unwrap_err().to_string().contains("row 1"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    fn from_codes(codes: &[u8]) -> Result<Vec<Self>> {
        codes
            .iter()
            .enumerate()
            .map(|(i, &c)| Self::from_code(c).map_err(|e| e.at_row(i)))
            .collect()
    }
    /// Parses a canonical label: ASCII case ignored, surrounding whitespace
    /// trimmed, `-` and inner spaces read as `_` (`" Mobile-App"` is
    /// `mobile_app`). Every face reads channel, kind, stage and rating-scale
    /// labels this way; a product's own event labels are kept exactly.
    fn from_label(label: &str) -> Result<Self> {
        let norm = normalize(label);
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.label() == norm)
            .ok_or_else(|| {
                EngError::unknown_label(Self::FIELD, label, Self::ALL.iter().map(|v| v.label()))
            })
    }
}

pub(crate) fn normalize(label: &str) -> String {
    label
        .trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Maps a CRM's own labels onto codes: the documented way to bring custom
/// channel or kind names into the engine.
///
/// Lookup first tries the custom aliases (normalized like the canonical labels),
/// then the canonical labels. It is a serde struct, so the mapping can live in a
/// JSON configuration file next to the CRM export.
///
/// # Examples
///
/// ```
/// use engagement_core::{Channel, LabelMap};
///
/// let mut map = LabelMap::<Channel>::default();
/// map.insert("Newsletter", Channel::Email);
/// map.insert("in-app", Channel::MobileApp);
/// assert_eq!(map.parse("newsletter")?, Channel::Email);
/// assert_eq!(map.parse("In App")?, Channel::MobileApp);
/// assert_eq!(map.parse("web")?, Channel::Web);        // canonical labels still work
/// assert!(map.parse("fax").is_err());
///
/// // The same mapping as JSON:
/// let map: LabelMap<Channel> = serde_json::from_str(r#"{"News Letter": "email"}"#)?;
/// assert_eq!(map.parse("news-letter")?, Channel::Email);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    from = "BTreeMap<String, T>",
    into = "BTreeMap<String, T>",
    bound(
        serialize = "T: Serialize + Clone",
        deserialize = "T: Deserialize<'de>"
    )
)]
pub struct LabelMap<T: Ord> {
    aliases: BTreeMap<String, T>,
}

impl<T: Ord> From<BTreeMap<String, T>> for LabelMap<T> {
    /// Aliases read from JSON are normalized like labels (case, `-`, spaces).
    fn from(raw: BTreeMap<String, T>) -> Self {
        LabelMap {
            aliases: raw.into_iter().map(|(k, v)| (normalize(&k), v)).collect(),
        }
    }
}

impl<T: Ord> From<LabelMap<T>> for BTreeMap<String, T> {
    fn from(map: LabelMap<T>) -> Self {
        map.aliases
    }
}

impl<T: Ord> Default for LabelMap<T> {
    fn default() -> Self {
        LabelMap {
            aliases: BTreeMap::new(),
        }
    }
}

impl<T: Code> LabelMap<T> {
    /// Adds (or replaces) a custom alias.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{LabelMap, TouchpointKind};
    /// let mut m = LabelMap::<TouchpointKind>::default();
    /// m.insert("Order Placed", TouchpointKind::Purchase);
    /// assert_eq!(m.parse("order-placed")?, TouchpointKind::Purchase);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn insert(&mut self, alias: &str, value: T) {
        self.aliases.insert(normalize(alias), value);
    }

    /// Resolves a label: custom aliases first, then canonical labels.
    ///
    /// # Errors
    /// [`EngError::UnknownLabel`] when neither knows the label.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, LabelMap};
    /// assert_eq!(LabelMap::<Channel>::default().parse(" SMS ")?, Channel::Sms);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn parse(&self, label: &str) -> Result<T> {
        match self.aliases.get(&normalize(label)) {
            Some(v) => Ok(*v),
            None => T::from_label(label).map_err(|e| match e {
                EngError::UnknownLabel {
                    field,
                    label,
                    index,
                    mut accepted,
                } if !self.aliases.is_empty() => {
                    accepted.extend(self.aliases.keys().map(|a| format!("{a} (alias)")));
                    EngError::UnknownLabel {
                        field,
                        label,
                        index,
                        accepted,
                    }
                }
                other => other,
            }),
        }
    }

    /// Resolves a whole column of labels into codes.
    ///
    /// # Errors
    /// [`EngError::UnknownLabel`] for the first unknown label, with its row
    /// and the accepted labels.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{Channel, LabelMap};
    /// assert_eq!(LabelMap::<Channel>::default().parse_column(&["web", "store"])?, [1, 6]);
    /// let e = LabelMap::<Channel>::default().parse_column(&["web", "fax"]).unwrap_err();
    /// assert!(e.to_string().starts_with(r#"unknown channel label "fax" at row 1; accepted: "#));
    /// assert!(e.to_string().contains("email, web, mobile_app"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn parse_column<S: AsRef<str>>(&self, labels: &[S]) -> Result<Vec<u8>> {
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                self.parse(l.as_ref())
                    .map(Code::code)
                    .map_err(|e| e.at_row(i))
            })
            .collect()
    }
}

/// Defines a `#[repr(u8)]` code enumeration with serde labels and [`Code`].
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $label:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        ///
        /// New values may come with new codes (existing codes never change
        /// meaning), so a `match` needs a `_` arm.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
                 serde::Serialize, serde::Deserialize, bytemuck::NoUninit)]
        #[serde(rename_all = "snake_case")]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant = $code, )+
        }

        impl $crate::model::codes::Code for $name {
            const FIELD: &'static str = $field;
            const ALL: &'static [Self] = &[ $( $name::$variant, )+ ];
            fn code(self) -> u8 { self as u8 }
            fn label(self) -> &'static str {
                match self { $( $name::$variant => $label, )+ }
            }
        }

        impl $name {
            /// Number of values of this enumeration.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use engagement_core::{Code, ", stringify!($name), "};")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::ALL.len(), ", stringify!($name), "::COUNT);")]
            /// ```
            pub const COUNT: usize = <Self as $crate::model::codes::Code>::ALL.len();

            /// A column of values as the column of codes the columnar inputs
            /// take, without copying (the enumeration is `#[repr(u8)]`).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use engagement_core::{Code, ", stringify!($name), "};")]
            #[doc = concat!("let all = ", stringify!($name), "::ALL;")]
            #[doc = concat!("assert_eq!(", stringify!($name), "::codes(all), (0..all.len() as u8).collect::<Vec<_>>());")]
            /// ```
            pub fn codes(values: &[Self]) -> &[u8] {
                bytemuck::cast_slice(values)
            }
        }

        impl From<$name> for u8 {
            fn from(value: $name) -> u8 {
                value as u8
            }
        }

        impl TryFrom<u8> for $name {
            type Error = $crate::error::EngError;
            fn try_from(code: u8) -> $crate::error::Result<Self> {
                <Self as $crate::model::codes::Code>::from_code(code)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::EngError;
            fn from_str(s: &str) -> $crate::error::Result<Self> {
                <Self as $crate::model::codes::Code>::from_label(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::model::codes::Code::label(*self))
            }
        }
    };
}
pub(crate) use code_enum;
