//! Segment rules as a Rust type: the JSON rule language of
//! [`rules`](crate::segment::rules), built with methods and checked when a
//! [`SegmentSet`] is made of it. A rule serialises to the same JSON, so a
//! definition written in Rust can be stored and read back by any face.
//!
//! ```
//! use engagement_core::{JourneyStage, SegmentSet, TouchpointKind};
//! use engagement_core::segment::rule::{field, kind_count, SegmentRule};
//!
//! let vip = SegmentRule::all([
//!     field("revenue").ge(500.0),
//!     field("stage").one_of([JourneyStage::Loyal, JourneyStage::Advocate]),
//! ]);
//! let silent_buyers = SegmentRule::all([
//!     kind_count(TouchpointKind::Purchase).gt(0.0),
//!     field("days_since_last_touch").le(60.0).negate(),
//! ]);
//! let set = SegmentSet::new([("vip", vip.clone()), ("silent_buyers", silent_buyers)])?;
//! assert_eq!(set.names(), ["vip", "silent_buyers"]);
//!
//! // The same JSON as the rule language's.
//! assert_eq!(serde_json::to_value(&vip).unwrap(), serde_json::json!({"all": [
//!     {"field": "revenue", "op": ">=", "value": 500.0},
//!     {"field": "stage", "op": "in", "value": ["loyal", "advocate"]}]}));
//!
//! // Checked like JSON: an unknown field names its place.
//! let typo = SegmentSet::new([("x", field("revenu").gt(1.0))]);
//! assert!(typo.unwrap_err().to_string().contains("segments[0].rule.field"));
//! # Ok::<(), engagement_core::EngError>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::model::{Channel, Code, TouchpointKind};
use crate::segment::rules::{SEGMENTS_VERSION, SegmentSet};

/// A segment rule: every rule of the JSON language has one form here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentRule {
    /// Every rule holds (true when empty): `{"all": [...]}`.
    All(Vec<SegmentRule>),
    /// At least one rule holds (false when empty): `{"any": [...]}`.
    Any(Vec<SegmentRule>),
    /// The rule does not hold: `{"not": rule}`.
    Not(Box<SegmentRule>),
    /// A comparison of a feature: `{"field": F, "op": OP, "value": V}`.
    #[serde(untagged)]
    Compare(Comparison),
}

/// A comparison of one customer feature with a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// The feature's name (see [`CustomerFeatures`](crate::CustomerFeatures)).
    pub field: String,
    /// The operator.
    pub op: Op,
    /// What the feature is compared with.
    pub value: RuleValue,
}

/// A comparison's operator, written in JSON as its symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `==`
    #[serde(rename = "==")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `between` `[lo, hi]`, both included.
    #[serde(rename = "between")]
    Between,
    /// `in` a list.
    #[serde(rename = "in")]
    In,
    /// `not_in` a list.
    #[serde(rename = "not_in")]
    NotIn,
}

/// The value a feature is compared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RuleValue {
    /// A number.
    Number(f64),
    /// A list of numbers (`between` takes two).
    Numbers(Vec<f64>),
    /// A label.
    Label(String),
    /// A list of labels.
    Labels(Vec<String>),
}

/// The start of a comparison of the feature `name`; finish it with one of
/// [`Feature`]'s methods.
pub fn field(name: impl Into<String>) -> Feature {
    Feature(name.into())
}

/// The feature counting a customer's touchpoints of one kind
/// (`kind.purchase` …).
pub fn kind_count(kind: TouchpointKind) -> Feature {
    Feature(format!("kind.{}", kind.label()))
}

/// The feature counting a customer's touchpoints on one channel
/// (`channel.email` …).
pub fn channel_count(channel: Channel) -> Feature {
    Feature(format!("channel.{}", channel.label()))
}

/// A feature about to be compared (from [`field`], [`kind_count`] or
/// [`channel_count`]).
#[derive(Debug, Clone)]
pub struct Feature(String);

impl Feature {
    fn compare(self, op: Op, value: RuleValue) -> SegmentRule {
        SegmentRule::Compare(Comparison {
            field: self.0,
            op,
            value,
        })
    }

    /// Equal to a number.
    pub fn eq(self, value: f64) -> SegmentRule {
        self.compare(Op::Eq, RuleValue::Number(value))
    }

    /// Not equal to a number.
    pub fn ne(self, value: f64) -> SegmentRule {
        self.compare(Op::Ne, RuleValue::Number(value))
    }

    /// Below a number.
    pub fn lt(self, value: f64) -> SegmentRule {
        self.compare(Op::Lt, RuleValue::Number(value))
    }

    /// At most a number.
    pub fn le(self, value: f64) -> SegmentRule {
        self.compare(Op::Le, RuleValue::Number(value))
    }

    /// Above a number.
    pub fn gt(self, value: f64) -> SegmentRule {
        self.compare(Op::Gt, RuleValue::Number(value))
    }

    /// At least a number.
    pub fn ge(self, value: f64) -> SegmentRule {
        self.compare(Op::Ge, RuleValue::Number(value))
    }

    /// Between two numbers, both included.
    pub fn between(self, low: f64, high: f64) -> SegmentRule {
        self.compare(Op::Between, RuleValue::Numbers(vec![low, high]))
    }

    /// One of the numbers.
    pub fn in_numbers(self, values: impl IntoIterator<Item = f64>) -> SegmentRule {
        self.compare(Op::In, RuleValue::Numbers(values.into_iter().collect()))
    }

    /// None of the numbers.
    pub fn not_in_numbers(self, values: impl IntoIterator<Item = f64>) -> SegmentRule {
        self.compare(Op::NotIn, RuleValue::Numbers(values.into_iter().collect()))
    }

    /// The label (a stage, a channel, an RFM segment's name): anything that
    /// displays as the label, such as [`JourneyStage::Loyal`](crate::JourneyStage::Loyal) or `"champions"`.
    pub fn is(self, label: impl std::fmt::Display) -> SegmentRule {
        self.compare(Op::Eq, RuleValue::Label(label.to_string()))
    }

    /// Not the label.
    pub fn is_not(self, label: impl std::fmt::Display) -> SegmentRule {
        self.compare(Op::Ne, RuleValue::Label(label.to_string()))
    }

    /// One of the labels.
    pub fn one_of<L: std::fmt::Display>(self, labels: impl IntoIterator<Item = L>) -> SegmentRule {
        let labels = labels.into_iter().map(|l| l.to_string()).collect();
        self.compare(Op::In, RuleValue::Labels(labels))
    }

    /// None of the labels.
    pub fn none_of<L: std::fmt::Display>(self, labels: impl IntoIterator<Item = L>) -> SegmentRule {
        let labels = labels.into_iter().map(|l| l.to_string()).collect();
        self.compare(Op::NotIn, RuleValue::Labels(labels))
    }
}

impl SegmentRule {
    /// Every rule holds.
    pub fn all(rules: impl IntoIterator<Item = SegmentRule>) -> SegmentRule {
        SegmentRule::All(rules.into_iter().collect())
    }

    /// At least one rule holds.
    pub fn any(rules: impl IntoIterator<Item = SegmentRule>) -> SegmentRule {
        SegmentRule::Any(rules.into_iter().collect())
    }

    /// This rule does not hold.
    pub fn negate(self) -> SegmentRule {
        SegmentRule::Not(Box::new(self))
    }
}

impl SegmentSet {
    /// A segment set of named rules, in priority order, checked as a JSON
    /// definition is.
    ///
    /// # Errors
    /// As [`SegmentSet::from_json`], naming the place
    /// (`segments[1].rule.all[0].field`).
    ///
    /// # Examples
    ///
    /// See [the module](crate::segment::rule).
    pub fn new<N: Into<String>>(
        segments: impl IntoIterator<Item = (N, SegmentRule)>,
    ) -> Result<SegmentSet> {
        let segments: Vec<serde_json::Value> = segments
            .into_iter()
            .map(|(name, rule)| serde_json::json!({"name": name.into(), "rule": rule}))
            .collect();
        SegmentSet::from_value(
            serde_json::json!({"version": SEGMENTS_VERSION, "segments": segments}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CustomerFeatures, JourneyStage, ProfileStore, SignalConfig, TouchpointColumns};

    #[test]
    fn typed_rules_read_back_from_their_json_and_segment_as_the_json_does() {
        let json = r#"{"version": 1, "segments": [
            {"name": "vip", "rule": {"all": [{"field": "revenue", "op": ">=", "value": 500},
                {"field": "stage", "op": "in", "value": ["loyal", "advocate"]}]}},
            {"name": "quiet", "rule": {"all": [{"field": "kind.purchase", "op": ">", "value": 0},
                {"not": {"field": "days_since_last_touch", "op": "<=", "value": 60}}]}},
            {"name": "mid", "rule": {"any": [{"field": "revenue", "op": "between", "value": [10, 100]},
                {"field": "channel.email", "op": "not_in", "value": [0, 1]},
                {"field": "acquisition_channel", "op": "!=", "value": "web"}]}}]}"#;
        let typed = [
            (
                "vip",
                SegmentRule::all([
                    field("revenue").ge(500.0),
                    field("stage").one_of([JourneyStage::Loyal, JourneyStage::Advocate]),
                ]),
            ),
            (
                "quiet",
                SegmentRule::all([
                    kind_count(TouchpointKind::Purchase).gt(0.0),
                    field("days_since_last_touch").le(60.0).negate(),
                ]),
            ),
            (
                "mid",
                SegmentRule::any([
                    field("revenue").between(10.0, 100.0),
                    channel_count(Channel::Email).not_in_numbers([0.0, 1.0]),
                    field("acquisition_channel").is_not(Channel::Web),
                ]),
            ),
        ];
        // The JSON's rules read into the type are the typed rules.
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        for (seg, (name, rule)) in v["segments"].as_array().unwrap().iter().zip(&typed) {
            assert_eq!(seg["name"], *name);
            let read: SegmentRule = serde_json::from_value(seg["rule"].clone()).unwrap();
            assert_eq!(&read, rule);
        }
        let store = ProfileStore::from_columns(
            SignalConfig::default(),
            &TouchpointColumns {
                customer: &[1, 1, 2, 3, 3, 3],
                time: &[0, 86_400, 0, 0, 200 * 86_400, 201 * 86_400],
                channel: &[1, 0, 0, 1, 0, 0],
                kind: &[4, 4, 2, 4, 1, 1],
                value: &[600.0, 50.0, 0.0, 40.0, 0.0, 0.0],
                ..Default::default()
            },
        )
        .unwrap();
        let stages = crate::StageColumns {
            customer: vec![1, 2, 3],
            stage: vec![
                JourneyStage::Loyal,
                JourneyStage::Engaged,
                JourneyStage::AtRisk,
            ],
        };
        let features = CustomerFeatures::from_store(&store, 300 * 86_400)
            .unwrap()
            .with_stages(&stages)
            .unwrap();
        let a = SegmentSet::from_json(json)
            .unwrap()
            .evaluate(&features)
            .unwrap();
        let b = SegmentSet::new(typed).unwrap().evaluate(&features).unwrap();
        assert_eq!(a.member, b.member);
        // vip: 1 (650 spent, loyal); quiet: 1 and 3 (bought, silent 299 and
        // 99 days); mid: 3 (40 spent) at least.
        assert_eq!(a.member[0], [true, false, false]);
        assert_eq!(a.member[1], [true, false, true]);
        assert!(a.member[2][2]);
    }
}
