//! Proptest strategies for the library's types (feature `proptest`).

use proptest::prelude::*;

use crate::model::{Channel, Code, RatingScale, Touchpoint, TouchpointKind};

/// Any channel.
pub fn channel() -> impl Strategy<Value = Channel> {
    (0..Channel::COUNT as u8).prop_map(|c| Channel::ALL[usize::from(c)])
}

/// Any touchpoint kind.
pub fn kind() -> impl Strategy<Value = TouchpointKind> {
    (0..TouchpointKind::COUNT as u8).prop_map(|c| TouchpointKind::ALL[usize::from(c)])
}

/// A valid rating on a random scale.
pub fn rating() -> impl Strategy<Value = (f32, RatingScale)> {
    prop_oneof![
        (0u8..=10).prop_map(|v| (f32::from(v), RatingScale::Nps)),
        (1u8..=5).prop_map(|v| (f32::from(v), RatingScale::Csat)),
        (1u8..=7).prop_map(|v| (f32::from(v), RatingScale::Ces)),
    ]
}

/// A valid touchpoint of one of `customers` customers (ids `1..=customers`)
/// within `span` seconds after `start`. Values include cents, zero and large
/// amounts; about one in four carries a rating.
pub fn touchpoint(customers: u64, start: i64, span: i64) -> impl Strategy<Value = Touchpoint> {
    (
        1..=customers,
        start..start + span,
        channel(),
        kind(),
        prop_oneof![
            Just(0.0),
            (0u32..1_000_000).prop_map(|c| f64::from(c) / 100.0),
            0.0..1e9
        ],
        proptest::option::weighted(0.25, rating()),
    )
        .prop_map(|(customer, time, channel, kind, value, rating)| {
            let mut tp = Touchpoint::new(customer, time, channel, kind).with_value(value);
            if let Some((v, s)) = rating {
                tp = tp.with_rating(v, s);
            }
            tp
        })
}

/// The first second [`touchpoints`] may use.
pub const START: i64 = 1_600_000_000;
/// How many seconds after [`START`] [`touchpoints`] spreads its events over.
pub const SPAN: i64 = 6 * 365 * 86_400;

/// A list of valid touchpoints over a few customers and about six years, long
/// enough for every default stage window (churn after a year) and many
/// half-lives of decay to pass inside one case.
pub fn touchpoints(max_len: usize) -> impl Strategy<Value = Vec<Touchpoint>> {
    proptest::collection::vec(touchpoint(6, START, SPAN), 0..max_len)
}
