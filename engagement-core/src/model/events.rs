//! A product's own events: an open vocabulary of labels (`pricing_page_view`,
//! `trial_started`, `newsletter_42_open` …) interned once into `u32` codes.
//!
//! Channel and kind keep their meaning (where, and what sort of interaction:
//! purchases, refunds and ratings still drive money, stages and scores); an
//! event label says which of the product's own events a touchpoint was. The
//! vocabulary is the data's: a label never seen before is added, never an
//! error. Codes are positions in one [`EventDictionary`], so they mean
//! nothing without it; results always name events by label, and anything
//! that orders events (equal times, listings) orders them by label, so codes
//! given in any order give the same results.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{EngError, Result};

/// Bytes one event label may have (UTF-8): 1,024.
pub const MAX_EVENT_LABEL_BYTES: usize = 1024;

/// Interns event labels into `u32` codes: code `c` is the `c`-th distinct
/// label added. Built once and reused across calls and pushes; two
/// dictionaries merge into one with a table that remaps the other's codes.
///
/// Its JSON form is the list of labels in code order.
///
/// # Examples
///
/// ```
/// use engagement_core::EventDictionary;
/// let mut d = EventDictionary::new();
/// let codes = d.intern_all(&["catalog", "product_view", "catalog", "add_to_cart"])?;
/// assert_eq!(codes, [0, 1, 0, 2]);
/// assert_eq!((d.len(), d.label(2), d.code("catalog")), (3, Some("add_to_cart"), Some(0)));
///
/// // Another machine's dictionary: its codes map onto this one's.
/// let other = EventDictionary::from_labels(["add_to_cart", "payment_done"])?;
/// let remap = d.merge(&other)?;
/// assert_eq!(remap, [2, 3]);
/// assert_eq!(serde_json::to_string(&d)?, r#"["catalog","product_view","add_to_cart","payment_done"]"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventDictionary {
    labels: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl EventDictionary {
    /// An empty dictionary.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(engagement_core::EventDictionary::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A dictionary of `labels` in that order (codes 0, 1, …).
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for a label given twice or one longer than
    /// [`MAX_EVENT_LABEL_BYTES`], naming its position.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::EventDictionary;
    /// assert_eq!(EventDictionary::from_labels(["a", "b"])?.code("b"), Some(1));
    /// assert!(EventDictionary::from_labels(["a", "a"]).unwrap_err().to_string().contains("row 1"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_labels<S: AsRef<str>>(labels: impl IntoIterator<Item = S>) -> Result<Self> {
        let mut d = Self::new();
        for (i, label) in labels.into_iter().enumerate() {
            let label = label.as_ref();
            if d.code(label).is_some() {
                return Err(EngError::invalid(
                    "event",
                    format!("{label:?}"),
                    "appears twice in the dictionary (each label once, in code order)",
                )
                .at_row(i));
            }
            d.intern(label).map_err(|e| e.at_row(i))?;
        }
        Ok(d)
    }

    /// The code of `label`, adding it when new.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] for a label longer than
    /// [`MAX_EVENT_LABEL_BYTES`], or a dictionary already holding 2³² − 1
    /// labels. Any other string, the empty one included, is a label.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut d = engagement_core::EventDictionary::new();
    /// assert_eq!((d.intern("signup")?, d.intern("")?, d.intern("signup")?), (0, 1, 0));
    /// assert!(d.intern(&"x".repeat(2000)).is_err());
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn intern(&mut self, label: &str) -> Result<u32> {
        if let Some(&code) = self.index.get(label) {
            return Ok(code);
        }
        if label.len() > MAX_EVENT_LABEL_BYTES {
            return Err(EngError::invalid(
                "event",
                format!("a label of {} bytes", label.len()),
                "an event label has at most 1024 bytes",
            ));
        }
        let code = u32::try_from(self.labels.len())
            .ok()
            .filter(|&c| c < u32::MAX)
            .ok_or_else(|| {
                EngError::invalid(
                    "event",
                    self.labels.len(),
                    "a dictionary holds at most 2^32 - 1 labels",
                )
            })?;
        self.labels.push(label.to_owned());
        self.index.insert(label.to_owned(), code);
        Ok(code)
    }

    /// The codes of a column of labels, adding the new ones; after an error
    /// the dictionary is as it was.
    ///
    /// # Errors
    /// As [`intern`](Self::intern), naming the row.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut d = engagement_core::EventDictionary::new();
    /// assert_eq!(d.intern_all(&["b", "a", "b"])?, [0, 1, 0]);
    /// let long = "x".repeat(1025);
    /// assert!(d.intern_all(&["c", long.as_str()]).unwrap_err().to_string().contains("row 1"));
    /// assert_eq!(d.len(), 2);   // "c" was not kept
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn intern_all<S: AsRef<str>>(&mut self, labels: &[S]) -> Result<Vec<u32>> {
        let before = self.labels.len();
        let codes: Result<Vec<u32>> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| self.intern(l.as_ref()).map_err(|e| e.at_row(i)))
            .collect();
        if codes.is_err() {
            for label in self.labels.drain(before..) {
                self.index.remove(&label);
            }
        }
        codes
    }

    /// The code of `label`, if known.
    pub fn code(&self, label: &str) -> Option<u32> {
        self.index.get(label).copied()
    }

    /// The label of `code`, if it is one.
    pub fn label(&self, code: u32) -> Option<&str> {
        self.labels.get(code as usize).map(String::as_str)
    }

    /// The labels in code order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when no label has been added.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Adds the labels of `other` that are new here and returns the table
    /// that turns `other`'s codes into this dictionary's (`remap[c]`).
    ///
    /// # Errors
    /// As [`intern`](Self::intern).
    pub fn merge(&mut self, other: &EventDictionary) -> Result<Vec<u32>> {
        other.labels.iter().map(|l| self.intern(l)).collect()
    }

    /// Checks that every code of a column names a label.
    ///
    /// # Errors
    /// [`EngError::InvalidInput`] naming `field` and the row of the first
    /// code past the dictionary.
    ///
    /// # Examples
    ///
    /// ```
    /// let d = engagement_core::EventDictionary::from_labels(["a", "b"])?;
    /// assert!(d.check_codes("event", &[0, 1, 1]).is_ok());
    /// assert!(d.check_codes("event", &[0, 2]).unwrap_err().to_string().contains("row 1"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn check_codes(&self, field: &str, codes: &[u32]) -> Result<()> {
        use rayon::prelude::*;
        // Blocks of rows checked in parallel (a vectorizable maximum per
        // block); the first bad row is looked for only when there is one.
        let n = self.labels.len();
        let bad = codes
            .par_chunks(1 << 16)
            .any(|block| block.iter().fold(0, |m, &c| m.max(c)) as usize >= n);
        match bad
            .then(|| codes.iter().position(|&c| c as usize >= n))
            .flatten()
        {
            Some(i) => Err(EngError::invalid(
                field,
                codes[i],
                match self.labels.len() {
                    0 => "is not a code of the event dictionary, which is empty".to_string(),
                    n => format!(
                        "is not a code of the event dictionary, which has {n} labels (codes 0 to {})",
                        n - 1
                    ),
                },
            )
            .at_row(i)),
            None => Ok(()),
        }
    }

    /// The rank of each code's label in label order (byte order of the
    /// UTF-8 text): what orders events wherever an order is needed, so that
    /// the codes' own order never shows in a result.
    ///
    /// # Examples
    ///
    /// ```
    /// let d = engagement_core::EventDictionary::from_labels(["view", "add", "pay"])?;
    /// assert_eq!(d.ranks(), [2, 0, 1]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.labels.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.compare(a, b));
        let mut rank = vec![0u32; order.len()];
        for (r, &code) in order.iter().enumerate() {
            rank[code as usize] = r as u32;
        }
        rank
    }

    fn compare(&self, a: u32, b: u32) -> Ordering {
        self.labels[a as usize].cmp(&self.labels[b as usize])
    }
}

impl Serialize for EventDictionary {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.labels.serialize(s)
    }
}

impl<'de> Deserialize<'de> for EventDictionary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let labels = Vec::<String>::deserialize(d)?;
        EventDictionary::from_labels(&labels).map_err(serde::de::Error::custom)
    }
}

/// The event labels of touchpoints: a code per row and the dictionary that
/// names the codes.
///
/// # Examples
///
/// ```
/// use engagement_core::{EventColumn, EventDictionary};
/// let mut d = EventDictionary::new();
/// let codes = d.intern_all(&["signup", "pricing_page_view"])?;
/// let events = EventColumn::new(&codes, &d)?;
/// assert_eq!(events.label_of_row(1), "pricing_page_view");
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EventColumn<'a> {
    codes: &'a [u32],
    dictionary: &'a EventDictionary,
}

impl<'a> EventColumn<'a> {
    /// Codes checked against their dictionary.
    ///
    /// # Errors
    /// As [`EventDictionary::check_codes`].
    pub fn new(codes: &'a [u32], dictionary: &'a EventDictionary) -> Result<Self> {
        dictionary.check_codes("event", codes)?;
        Ok(EventColumn { codes, dictionary })
    }

    /// The codes.
    pub fn codes(&self) -> &'a [u32] {
        self.codes
    }

    /// The dictionary.
    pub fn dictionary(&self) -> &'a EventDictionary {
        self.dictionary
    }

    /// The label of row `i` (checked codes: always one).
    pub fn label_of_row(&self, i: usize) -> &'a str {
        self.dictionary.labels[self.codes[i] as usize].as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn json_round_trip_and_duplicates_refused() {
        let d = EventDictionary::from_labels(["ä", "", "🛒 add"]).unwrap();
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<EventDictionary>(&text).unwrap(), d);
        assert!(serde_json::from_str::<EventDictionary>(r#"["a", "a"]"#).is_err());
    }

    proptest! {
        /// Merging dictionaries built on two parts gives codes that name the
        /// same labels as one dictionary built on everything.
        #[test]
        fn prop_merge_remaps_to_the_same_labels(
            a in proptest::collection::vec("[a-d]{0,2}", 0..40),
            b in proptest::collection::vec("[a-d]{0,2}", 0..40),
        ) {
            let mut left = EventDictionary::new();
            let ca = left.intern_all(&a).unwrap();
            let mut right = EventDictionary::new();
            let cb = right.intern_all(&b).unwrap();
            let remap = left.merge(&right).unwrap();
            for (code, label) in ca.iter().zip(&a) {
                prop_assert_eq!(left.label(*code), Some(label.as_str()));
            }
            for (code, label) in cb.iter().zip(&b) {
                prop_assert_eq!(left.label(remap[*code as usize]), Some(label.as_str()));
            }
            let ranks = left.ranks();
            for x in 0..left.len() as u32 {
                for y in 0..left.len() as u32 {
                    prop_assert_eq!(ranks[x as usize].cmp(&ranks[y as usize]), left.label(x).cmp(&left.label(y)));
                }
            }
        }
    }
}
