//! Segments defined as data: a small JSON rule language over customer features.
//!
//! ```json
//! { "version": 1,
//!   "segments": [
//!     { "name": "vip",
//!       "rule": { "all": [ { "field": "revenue", "op": ">=", "value": 500 },
//!                          { "field": "stage", "op": "in", "value": ["loyal", "advocate"] } ] } },
//!     { "name": "silent_buyers",
//!       "rule": { "all": [ { "field": "purchases", "op": ">", "value": 0 },
//!                          { "not": { "field": "days_since_last_touch", "op": "<=", "value": 60 } } ] } }
//!   ] }
//! ```
//!
//! A rule is one of
//!
//! | form | meaning |
//! |---|---|
//! | `{"all": [rule, …]}` | every rule holds (true when empty) |
//! | `{"any": [rule, …]}` | at least one holds (false when empty) |
//! | `{"not": rule}` | the rule does not hold |
//! | `{"field": F, "op": OP, "value": V}` | a comparison |
//!
//! Numeric fields (see [`CustomerFeatures`]) take `==`, `!=`, `<`, `<=`, `>`,
//! `>=` with a number, `between` with `[lo, hi]` (inclusive), and `in` /
//! `not_in` with a list of numbers. Label fields (`stage`, `rfm_segment`,
//! `acquisition_channel`) take `==`, `!=` with a label and `in` / `not_in`
//! with a list of labels. A comparison on a missing value (NaN, no stage …)
//! is false, whatever the operator; `not` of it is true.
//!
//! Segments are listed in priority order: the first segment a customer is in
//! is their primary segment. Definitions are checked when parsed; an error
//! names the place, e.g. `segments[1].rule.all[0].op`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{EngError, Result};
use crate::model::{Channel, Code, JourneyStage};
use crate::segment::features::{CustomerFeatures, LABEL_FEATURES, is_numeric_feature};
use crate::segment::ids::SegmentId;

/// The only version of the definition format so far.
///
/// # Examples
///
/// ```
/// assert_eq!(engagement_core::segment::rules::SEGMENTS_VERSION, 1);
/// ```
pub const SEGMENTS_VERSION: u64 = 1;

#[derive(Debug, Clone, Copy, PartialEq)]
enum NumOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Num(NumOp, f64),
    Between(f64, f64),
    NumIn(Vec<f64>, bool),
    LabelIn(Vec<String>, bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Rule {
    All(Vec<Rule>),
    Any(Vec<Rule>),
    Not(Box<Rule>),
    Compare {
        field: String,
        test: Test,
        path: String,
    },
}

/// One named segment.
#[derive(Debug, Clone, PartialEq)]
struct Segment {
    name: String,
    rule: Rule,
}

/// A parsed, checked set of segment definitions.
///
/// Serializes back to the JSON it was read from.
///
/// # Examples
///
/// ```
/// use engagement_core::{CustomerFeatures, ProfileStore, SegmentSet, SignalConfig, TouchpointColumns};
/// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
///     customer: &[1, 2, 3], time: &[0, 0, 0], channel: &[1, 1, 1], kind: &[4, 4, 2],
///     value: &[600.0, 20.0, 0.0], ..Default::default()
/// })?;
/// let features = CustomerFeatures::from_store(&store, 86_400)?;
/// let set = SegmentSet::from_json(r#"{"version": 1, "segments": [
///     {"name": "big", "rule": {"field": "revenue", "op": ">=", "value": 500}},
///     {"name": "buyers", "rule": {"field": "purchases", "op": ">", "value": 0}}
/// ]}"#)?;
/// let m = set.evaluate(&features)?;
/// assert_eq!(m.members(0), [true, false, false]);
/// assert_eq!(m.members(1), [true, true, false]);
/// let (big, buyers) = (m.id_of("big"), m.id_of("buyers"));
/// assert_eq!(m.primary, [big, buyers, None]);
///
/// let bad = SegmentSet::from_json(r#"{"version": 1, "segments": [
///     {"name": "x", "rule": {"all": [{"field": "revenue", "op": "=>", "value": 1}]}}]}"#);
/// assert!(bad.unwrap_err().to_string().contains("segments[0].rule.all[0].op"));
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct SegmentSet {
    source: Value,
    segments: Vec<Segment>,
}

impl TryFrom<Value> for SegmentSet {
    type Error = EngError;
    fn try_from(v: Value) -> Result<Self> {
        SegmentSet::from_value(v)
    }
}

impl From<SegmentSet> for Value {
    fn from(s: SegmentSet) -> Value {
        s.source
    }
}

fn err(path: &str, reason: impl Into<String>) -> EngError {
    EngError::config(path, reason)
}

fn object<'a>(
    v: &'a Value,
    path: &str,
    allowed: &[&str],
) -> Result<&'a serde_json::Map<String, Value>> {
    let map = v
        .as_object()
        .ok_or_else(|| err(path, format!("expected an object, got {v}")))?;
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(err(
            &format!("{path}.{k}"),
            format!("unknown key; expected one of {allowed:?}"),
        ));
    }
    Ok(map)
}

fn number(v: &Value, path: &str) -> Result<f64> {
    v.as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| err(path, format!("expected a finite number, got {v}")))
}

fn label(v: &Value, path: &str, field: &str) -> Result<String> {
    let s = v
        .as_str()
        .ok_or_else(|| err(path, format!("expected a label (string), got {v}")))?;
    let known = match field {
        "stage" => JourneyStage::from_label(s).map(|x| x.label() == s),
        "acquisition_channel" => Channel::from_label(s).map(|x| x.label() == s),
        _ => Ok(true), // RFM segment names come from a configurable table
    };
    if !known.unwrap_or(false) {
        return Err(err(path, format!("unknown {field} label {s:?}")));
    }
    Ok(s.to_string())
}

fn list<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>> {
    v.as_array()
        .ok_or_else(|| err(path, format!("expected a list, got {v}")))
}

fn parse_rule(v: &Value, path: &str) -> Result<Rule> {
    let map = v
        .as_object()
        .ok_or_else(|| err(path, format!("expected a rule object, got {v}")))?;
    for (key, make) in [
        ("all", Rule::All as fn(Vec<Rule>) -> Rule),
        ("any", Rule::Any),
    ] {
        if map.contains_key(key) {
            let map = object(v, path, &[key])?;
            let items = list(&map[key], &format!("{path}.{key}"))?;
            let rules = items
                .iter()
                .enumerate()
                .map(|(i, r)| parse_rule(r, &format!("{path}.{key}[{i}]")))
                .collect::<Result<Vec<_>>>()?;
            return Ok(make(rules));
        }
    }
    if map.contains_key("not") {
        let map = object(v, path, &["not"])?;
        return Ok(Rule::Not(Box::new(parse_rule(
            &map["not"],
            &format!("{path}.not"),
        )?)));
    }
    if !map.contains_key("field") {
        return Err(err(
            path,
            "a rule needs one of the keys all, any, not, field",
        ));
    }
    let map = object(v, path, &["field", "op", "value"])?;
    let field = map["field"]
        .as_str()
        .ok_or_else(|| err(&format!("{path}.field"), "expected a feature name (string)"))?
        .to_string();
    let numeric = is_numeric_feature(&field);
    if !numeric && !LABEL_FEATURES.contains(&field.as_str()) {
        return Err(err(
            &format!("{path}.field"),
            format!("unknown field {field:?}"),
        ));
    }
    let op = map
        .get("op")
        .and_then(Value::as_str)
        .ok_or_else(|| err(&format!("{path}.op"), "expected an operator (string)"))?;
    let value = map
        .get("value")
        .ok_or_else(|| err(&format!("{path}.value"), "missing"))?;
    let vpath = format!("{path}.value");
    let test = if numeric {
        let cmp = |o| Ok::<_, EngError>(Test::Num(o, number(value, &vpath)?));
        match op {
            "==" => cmp(NumOp::Eq)?,
            "!=" => cmp(NumOp::Ne)?,
            "<" => cmp(NumOp::Lt)?,
            "<=" => cmp(NumOp::Le)?,
            ">" => cmp(NumOp::Gt)?,
            ">=" => cmp(NumOp::Ge)?,
            "between" => {
                let items = list(value, &vpath)?;
                if items.len() != 2 {
                    return Err(err(&vpath, "between takes [lo, hi]"));
                }
                let (lo, hi) = (
                    number(&items[0], &format!("{vpath}[0]"))?,
                    number(&items[1], &format!("{vpath}[1]"))?,
                );
                if lo > hi {
                    return Err(err(&vpath, format!("empty range [{lo}, {hi}]")));
                }
                Test::Between(lo, hi)
            }
            "in" | "not_in" => {
                let items = list(value, &vpath)?;
                let xs = items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| number(x, &format!("{vpath}[{i}]")))
                    .collect::<Result<Vec<_>>>()?;
                Test::NumIn(xs, op == "not_in")
            }
            other => {
                return Err(err(
                    &format!("{path}.op"),
                    format!(
                        "unknown operator {other:?} for a numeric field; expected ==, !=, <, <=, >, >=, between, in, not_in"
                    ),
                ));
            }
        }
    } else {
        match op {
            "==" | "!=" => Test::LabelIn(vec![label(value, &vpath, &field)?], op == "!="),
            "in" | "not_in" => {
                let items = list(value, &vpath)?;
                let labels = items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| label(x, &format!("{vpath}[{i}]"), &field))
                    .collect::<Result<Vec<_>>>()?;
                Test::LabelIn(labels, op == "not_in")
            }
            other => {
                return Err(err(
                    &format!("{path}.op"),
                    format!(
                        "unknown operator {other:?} for a label field; expected ==, !=, in, not_in"
                    ),
                ));
            }
        }
    };
    Ok(Rule::Compare {
        field,
        test,
        path: path.to_string(),
    })
}

impl Test {
    /// The test on one value; false on a missing value.
    fn num(&self, x: f64) -> bool {
        if x.is_nan() {
            return false;
        }
        match self {
            Test::Num(op, v) => match op {
                NumOp::Eq => x == *v,
                NumOp::Ne => x != *v,
                NumOp::Lt => x < *v,
                NumOp::Le => x <= *v,
                NumOp::Gt => x > *v,
                NumOp::Ge => x >= *v,
            },
            Test::Between(lo, hi) => *lo <= x && x <= *hi,
            Test::NumIn(xs, negate) => xs.contains(&x) != *negate,
            Test::LabelIn(..) => false,
        }
    }
}

/// A label test compiled against a label column's names: which codes pass.
fn label_codes(test: &Test, names: &[String]) -> Vec<bool> {
    let mut pass = vec![false; names.len()];
    if let Test::LabelIn(labels, negate) = test {
        for (code, name) in names.iter().enumerate() {
            pass[code] = labels.contains(name) != *negate;
        }
    }
    pass
}

fn missing(field: &str, path: &str) -> EngError {
    let hint = match field {
        "stage" => "add stages (CustomerFeatures::with_stages)",
        "rfm_segment" => "add RFM scores (CustomerFeatures::with_rfm)",
        f if crate::segment::features::SCORE_FEATURES.contains(&f) => {
            "add scores (CustomerFeatures::with_scores)"
        }
        f if crate::segment::features::RFM_FEATURES.contains(&f) => {
            "add RFM scores (CustomerFeatures::with_rfm)"
        }
        _ => "this feature is not in the features",
    };
    err(
        &format!("{path}.field"),
        format!("{field} is not available: {hint}"),
    )
}

impl Rule {
    /// Columnar evaluation over all customers.
    fn eval(&self, f: &CustomerFeatures) -> Result<Vec<bool>> {
        let n = f.len();
        Ok(match self {
            Rule::All(rules) => {
                let mut acc = vec![true; n];
                for r in rules {
                    for (a, b) in acc.iter_mut().zip(r.eval(f)?) {
                        *a &= b;
                    }
                }
                acc
            }
            Rule::Any(rules) => {
                let mut acc = vec![false; n];
                for r in rules {
                    for (a, b) in acc.iter_mut().zip(r.eval(f)?) {
                        *a |= b;
                    }
                }
                acc
            }
            Rule::Not(r) => r.eval(f)?.into_iter().map(|b| !b).collect(),
            Rule::Compare { field, test, path } => {
                if let Some(col) = f.numeric(field) {
                    col.iter().map(|&x| test.num(x)).collect()
                } else if let Some(labels) = f.labels(field) {
                    let pass = label_codes(test, &labels.names);
                    labels
                        .codes
                        .iter()
                        .map(|&c| pass.get(usize::from(c)).copied().unwrap_or(false))
                        .collect()
                } else {
                    return Err(missing(field, path));
                }
            }
        })
    }

    /// One customer at a time (the reference the columnar path is tested against).
    fn eval_row(&self, f: &CustomerFeatures, i: usize) -> Result<bool> {
        Ok(match self {
            Rule::All(rules) => {
                let mut all = true;
                for r in rules {
                    all &= r.eval_row(f, i)?;
                }
                all
            }
            Rule::Any(rules) => {
                let mut any = false;
                for r in rules {
                    any |= r.eval_row(f, i)?;
                }
                any
            }
            Rule::Not(r) => !r.eval_row(f, i)?,
            Rule::Compare { field, test, path } => {
                if let Some(col) = f.numeric(field) {
                    test.num(col[i])
                } else if f.labels(field).is_some() {
                    match (f.label(i, field), test) {
                        (Some(l), Test::LabelIn(labels, negate)) => {
                            labels.iter().any(|x| x == l) != *negate
                        }
                        _ => false,
                    }
                } else {
                    return Err(missing(field, path));
                }
            }
        })
    }
}

/// Which customers are in which segment.
///
/// # Examples
///
/// ```
/// use engagement_core::{CustomerFeatures, ProfileStore, SegmentSet, SignalConfig, TouchpointColumns};
/// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
///     customer: &[1, 2], time: &[0, 0], channel: &[1, 1], kind: &[4, 2], value: &[80.0, 0.0], ..Default::default()
/// })?;
/// let features = CustomerFeatures::from_store(&store, 0)?;
/// let set = SegmentSet::from_json(r#"{"version": 1, "segments": [
///     {"name": "buyers", "rule": {"field": "purchases", "op": ">=", "value": 1}},
///     {"name": "all", "rule": {"all": []}}]}"#)?;
/// let m = set.evaluate(&features)?;
/// assert_eq!(m.customer, [1, 2]);
/// assert_eq!(m.primary, [m.id_of("buyers"), m.id_of("all")]);
/// # Ok::<(), engagement_core::EngError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentMembership {
    /// Customer ids, ascending.
    pub customer: Vec<u64>,
    /// Segment names, in priority order.
    pub names: Vec<String>,
    /// `member[s][i]`: customer `i` is in segment `s`.
    pub member: Vec<Vec<bool>>,
    /// The first segment (in priority order) each customer is in.
    pub primary: Vec<Option<SegmentId>>,
}

impl SegmentMembership {
    /// The id of the segment named `name`, if there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::SegmentMembership;
    /// let m = SegmentMembership { customer: vec![1, 2], names: vec!["vip".into(), "new".into()],
    ///     member: vec![vec![true, false], vec![false, true]], primary: vec![] };
    /// let new = m.id_of("new").unwrap();
    /// assert_eq!((m.name_of(new), m.members(new.index())), (Some("new"), &[false, true][..]));
    /// assert_eq!(m.id_of("lapsed"), None);
    /// ```
    pub fn id_of(&self, name: &str) -> Option<SegmentId> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| SegmentId::new(i as u16))
    }

    /// The name of segment `id`, if it is one of these.
    pub fn name_of(&self, id: SegmentId) -> Option<&str> {
        self.names.get(id.index()).map(String::as_str)
    }

    /// The membership column of segment `s`.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, SegmentSet, SignalConfig, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 0], channel: &[1, 1], kind: &[4, 2], value: &[80.0, 0.0], ..Default::default()
    /// })?;
    /// let features = CustomerFeatures::from_store(&store, 0)?;
    /// let set = SegmentSet::from_json(r#"{"version": 1, "segments": [
    ///     {"name": "buyers", "rule": {"field": "purchases", "op": ">=", "value": 1}},
    ///     {"name": "all", "rule": {"all": []}}]}"#)?;
    /// assert_eq!(set.evaluate(&features)?.members(0), [true, false]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn members(&self, s: usize) -> &[bool] {
        self.member.get(s).map_or(&[], Vec::as_slice)
    }

    /// Number of customers in each segment (a customer may count in several).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, SegmentSet, SignalConfig, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 0], channel: &[1, 1], kind: &[4, 2], value: &[80.0, 0.0], ..Default::default()
    /// })?;
    /// let features = CustomerFeatures::from_store(&store, 0)?;
    /// let set = SegmentSet::from_json(r#"{"version": 1, "segments": [
    ///     {"name": "buyers", "rule": {"field": "purchases", "op": ">=", "value": 1}},
    ///     {"name": "all", "rule": {"all": []}}]}"#)?;
    /// assert_eq!(set.evaluate(&features)?.sizes(), [1, 2]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn sizes(&self) -> Vec<usize> {
        self.member
            .iter()
            .map(|m| m.iter().filter(|&&b| b).count())
            .collect()
    }
}

impl SegmentSet {
    /// Parses and checks a JSON definition.
    ///
    /// # Errors
    /// [`EngError::Json`] for malformed JSON; [`EngError::Config`] naming the
    /// place of an unknown key, field, operator or label, a wrong value type,
    /// a missing or unsupported version, or a duplicate segment name.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{EngError, SegmentSet};
    /// assert!(matches!(SegmentSet::from_json("{"), Err(EngError::Json { .. })));
    /// let e = SegmentSet::from_json(r#"{"version": 1, "segments": [{"name": "a", "rule": {"field": "stage", "op": "==", "value": "vip"}}]}"#);
    /// assert!(e.unwrap_err().to_string().contains("segments[0].rule.value"));
    /// ```
    pub fn from_json(text: &str) -> Result<Self> {
        Self::from_value(crate::limits::from_json(text)?)
    }

    /// Parses and checks a definition given as a JSON value.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::SegmentSet;
    /// let set = SegmentSet::from_value(serde_json::json!({"version": 1, "segments": [
    ///     {"name": "a", "rule": {"field": "revenue", "op": "between", "value": [10, 20]}}]}))?;
    /// assert_eq!(set.names(), ["a"]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn from_value(v: Value) -> Result<Self> {
        let map = object(&v, "$", &["version", "segments"])?;
        match map.get("version").and_then(Value::as_u64) {
            Some(SEGMENTS_VERSION) => {}
            Some(other) => {
                return Err(err(
                    "version",
                    format!(
                        "unsupported version {other}; this library reads version {SEGMENTS_VERSION}"
                    ),
                ));
            }
            None => return Err(err("version", format!("required: {SEGMENTS_VERSION}"))),
        }
        let items = list(map.get("segments").unwrap_or(&Value::Null), "segments")?;
        let mut segments: Vec<Segment> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("segments[{i}]");
            let m = object(item, &path, &["name", "rule"])?;
            let name = m
                .get("name")
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| err(&format!("{path}.name"), "expected a non-empty name"))?;
            if segments.iter().any(|s| s.name == name) {
                return Err(err(
                    &format!("{path}.name"),
                    format!("duplicate segment name {name:?}"),
                ));
            }
            let rule = parse_rule(
                m.get("rule").unwrap_or(&Value::Null),
                &format!("{path}.rule"),
            )?;
            segments.push(Segment {
                name: name.to_string(),
                rule,
            });
        }
        if segments.len() > usize::from(u16::MAX) {
            return Err(err("segments", "at most 65535 segments"));
        }
        Ok(SegmentSet {
            source: v,
            segments,
        })
    }

    /// Segment names in priority order.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::SegmentSet;
    /// let set = SegmentSet::from_json(r#"{"version": 1, "segments": [{"name": "x", "rule": {"any": []}}]}"#)?;
    /// assert_eq!(set.names(), ["x"]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn names(&self) -> Vec<&str> {
        self.segments.iter().map(|s| s.name.as_str()).collect()
    }

    /// Evaluates every segment over every customer (column by column).
    ///
    /// # Errors
    /// [`EngError::Config`] naming the rule that uses a feature the features
    /// do not have (e.g. `stage` without [`CustomerFeatures::with_stages`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, SegmentSet, SignalConfig, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 0], channel: &[1, 1], kind: &[4, 2], value: &[80.0, 0.0], ..Default::default()
    /// })?;
    /// let features = CustomerFeatures::from_store(&store, 0)?;
    /// let set = SegmentSet::from_json(r#"{"version": 1, "segments": [
    ///     {"name": "buyers", "rule": {"field": "purchases", "op": ">=", "value": 1}},
    ///     {"name": "all", "rule": {"all": []}}]}"#)?;
    /// assert_eq!(set.evaluate(&features)?.member, [vec![true, false], vec![true, true]]);
    /// // A rule on a feature that was not added is an error naming the rule.
    /// let staged = SegmentSet::from_json(r#"{"version": 1, "segments": [{"name": "s", "rule": {"field": "stage", "op": "==", "value": "loyal"}}]}"#)?;
    /// assert!(staged.evaluate(&features).unwrap_err().to_string().contains("with_stages"));
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn evaluate(&self, features: &CustomerFeatures) -> Result<SegmentMembership> {
        let member = self
            .segments
            .iter()
            .map(|s| s.rule.eval(features))
            .collect::<Result<Vec<_>>>()?;
        let primary = (0..features.len())
            .map(|i| {
                member
                    .iter()
                    .position(|m| m[i])
                    .map(|s| SegmentId::new(s as u16))
            })
            .collect();
        Ok(SegmentMembership {
            customer: features.customers().to_vec(),
            names: self.segments.iter().map(|s| s.name.clone()).collect(),
            member,
            primary,
        })
    }

    /// Evaluates one customer (row `i` of `features`) rule by rule: the
    /// reference implementation the columnar [`evaluate`](Self::evaluate) is
    /// tested against.
    ///
    /// # Errors
    /// As [`evaluate`](Self::evaluate); [`EngError::InvalidInput`] for a row
    /// beyond the features.
    ///
    /// # Examples
    ///
    /// ```
    /// use engagement_core::{CustomerFeatures, ProfileStore, SegmentSet, SignalConfig, TouchpointColumns};
    /// let store = ProfileStore::from_columns(SignalConfig::default(), &TouchpointColumns {
    ///     customer: &[1, 2], time: &[0, 0], channel: &[1, 1], kind: &[4, 2], value: &[80.0, 0.0], ..Default::default()
    /// })?;
    /// let features = CustomerFeatures::from_store(&store, 0)?;
    /// let set = SegmentSet::from_json(r#"{"version": 1, "segments": [
    ///     {"name": "buyers", "rule": {"field": "purchases", "op": ">=", "value": 1}},
    ///     {"name": "all", "rule": {"all": []}}]}"#)?;
    /// assert_eq!(set.evaluate_row(&features, 1)?, [false, true]);
    /// # Ok::<(), engagement_core::EngError>(())
    /// ```
    pub fn evaluate_row(&self, features: &CustomerFeatures, i: usize) -> Result<Vec<bool>> {
        if i >= features.len() {
            return Err(EngError::invalid(
                "row",
                i,
                format!("the features have {} customers", features.len()),
            ));
        }
        self.segments
            .iter()
            .map(|s| s.rule.eval_row(features, i))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::SignalConfig;

    fn parse_err(json: &str) -> String {
        SegmentSet::from_json(json).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_place() {
        let wrap = |rule: &str| {
            format!(r#"{{"version": 1, "segments": [{{"name": "a", "rule": {rule}}}]}}"#)
        };
        assert!(
            parse_err(&wrap(r#"{"field": "revenu", "op": ">", "value": 1}"#))
                .contains("segments[0].rule.field")
        );
        assert!(
            parse_err(&wrap(
                r#"{"any": [{"field": "revenue", "op": "~", "value": 1}]}"#
            ))
            .contains("segments[0].rule.any[0].op")
        );
        assert!(
            parse_err(&wrap(
                r#"{"not": {"field": "revenue", "op": ">", "value": "x"}}"#
            ))
            .contains("segments[0].rule.not.value")
        );
        assert!(
            parse_err(&wrap(
                r#"{"field": "stage", "op": "in", "value": ["loyal", "vip"]}"#
            ))
            .contains("segments[0].rule.value[1]")
        );
        assert!(
            parse_err(&wrap(r#"{"field": "stage", "op": ">", "value": "loyal"}"#)).contains("op")
        );
        assert!(
            parse_err(&wrap(
                r#"{"field": "revenue", "op": "between", "value": [5, 1]}"#
            ))
            .contains("empty range")
        );
        assert!(parse_err(&wrap(r#"{"all": [], "any": []}"#)).contains("segments[0].rule.any"));
        assert!(parse_err(&wrap(r#"{"feld": "revenue"}"#)).contains("segments[0].rule"));
        assert!(parse_err(r#"{"segments": []}"#).contains("version"));
        assert!(parse_err(r#"{"version": 2, "segments": []}"#).contains("unsupported version 2"));
        assert!(parse_err(r#"{"version": 1, "segments": [{"name": "a", "rule": {"all": []}}, {"name": "a", "rule": {"all": []}}]}"#).contains("duplicate"));
        assert!(matches!(
            SegmentSet::from_json("{"),
            Err(EngError::Json { .. })
        ));
        assert!(
            SegmentSet::from_json(&wrap(
                r#"{"field": "kind.purchase", "op": ">=", "value": 2}"#
            ))
            .is_ok()
        );
        assert!(
            parse_err(&wrap(
                r#"{"field": "kind.purchases", "op": ">=", "value": 2}"#
            ))
            .contains("unknown field")
        );
    }

    #[test]
    fn round_trips_as_json() {
        let json = r#"{"version":1,"segments":[{"name":"a","rule":{"field":"revenue","op":">","value":1}}]}"#;
        let set: SegmentSet = serde_json::from_str(json).unwrap();
        assert_eq!(
            serde_json::to_value(&set).unwrap(),
            serde_json::from_str::<Value>(json).unwrap()
        );
        assert!(serde_json::from_str::<SegmentSet>(r#"{"version": 3}"#).is_err());
    }

    mod props {
        use super::*;
        use crate::journey::{StageConfig, StageRules};
        use crate::profile::ProfileStore;
        use crate::score::{MonetaryBasis, RfmConfig, RfmValues, ScoreConfig, Scorer, rfm_scores};
        use crate::testing;
        use proptest::prelude::*;

        fn leaf() -> impl Strategy<Value = Value> {
            let numeric = (
                prop::sample::select(vec![
                    "revenue",
                    "purchases",
                    "engagement",
                    "days_since_last_touch",
                    "rfm_r",
                    "latest_nps",
                    "kind.click",
                ]),
                prop::sample::select(vec![
                    "==", "!=", "<", "<=", ">", ">=", "between", "in", "not_in",
                ]),
                0.0f64..50.0,
                0.0f64..50.0,
            )
                .prop_map(|(field, op, a, b)| {
                    let (a, b) = (a.round(), b.round());
                    let value = match op {
                        "between" => serde_json::json!([a.min(b), a.max(b)]),
                        "in" | "not_in" => serde_json::json!([a, b, 1.0]),
                        _ => serde_json::json!(a),
                    };
                    serde_json::json!({"field": field, "op": op, "value": value})
                });
            let labels = (
                prop::sample::select(vec!["==", "!=", "in", "not_in"]),
                prop::sample::subsequence(
                    vec![
                        "prospect",
                        "engaged",
                        "new_customer",
                        "repeat",
                        "at_risk",
                        "churned",
                    ],
                    1..3,
                ),
            )
                .prop_map(|(op, ls)| {
                    let value = if op == "==" || op == "!=" {
                        serde_json::json!(ls[0])
                    } else {
                        serde_json::json!(ls)
                    };
                    serde_json::json!({"field": "stage", "op": op, "value": value})
                });
            prop_oneof![3 => numeric, 1 => labels]
        }

        fn rule() -> impl Strategy<Value = Value> {
            leaf().prop_recursive(3, 16, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4)
                        .prop_map(|v| serde_json::json!({"all": v})),
                    prop::collection::vec(inner.clone(), 0..4)
                        .prop_map(|v| serde_json::json!({"any": v})),
                    inner.prop_map(|r| serde_json::json!({"not": r})),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(100))]

            /// Columnar evaluation equals the naive per-customer evaluation.
            #[test]
            fn prop_columnar_equals_per_customer(
                events in testing::touchpoints(60),
                rules in prop::collection::vec(rule(), 1..4),
            ) {
                let mut store = ProfileStore::new(SignalConfig::default()).unwrap();
                for e in &events {
                    store.push(e).unwrap();
                }
                let as_of = testing::START + testing::SPAN;
                let scorer = Scorer::new(ScoreConfig::default()).unwrap();
                let rules_stage = StageRules::new(StageConfig::default()).unwrap();
                let rfm = rfm_scores(&RfmValues::from_store(&store, as_of, MonetaryBasis::Total).unwrap(), &RfmConfig::default()).unwrap();
                let features = CustomerFeatures::from_store(&store, as_of).unwrap()
                    .with_scores(&scorer.score_store(&store, as_of).unwrap()).unwrap()
                    .with_stages(&rules_stage.stage_store(&store, as_of).unwrap()).unwrap()
                    .with_rfm(&rfm).unwrap();
                let segments: Vec<Value> = rules.iter().enumerate()
                    .map(|(i, r)| serde_json::json!({"name": format!("s{i}"), "rule": r}))
                    .collect();
                let set = SegmentSet::from_value(serde_json::json!({"version": 1, "segments": segments})).unwrap();
                let m = set.evaluate(&features).unwrap();
                for i in 0..features.len() {
                    let row = set.evaluate_row(&features, i).unwrap();
                    for (s, b) in row.iter().enumerate() {
                        prop_assert_eq!(m.member[s][i], *b);
                    }
                    prop_assert_eq!(m.primary[i], row.iter().position(|b| *b).map(|s| SegmentId::new(s as u16)));
                }
            }
        }
    }
}
