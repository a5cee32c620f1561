//! Journeys: paths through time. Journey stages and their history (with
//! churn between two dates), funnels, transitions and paths, path analysis
//! over a product's own events (or any dimension) per customer or session,
//! sessions, multi-touch attribution, and triggers evaluated on the
//! touchpoint stream.

pub mod attribution;
pub mod funnel;
pub mod history;
pub mod paths;
pub mod sessions;
pub mod stages;
pub mod state;
pub mod transitions;
pub mod triggers;

pub use history::StageHistory;
pub use stages::{StageColumns, StageConfig, StageRules, stage_of};

#[cfg(test)]
mod tests {
    use crate::journey::attribution::{Rule, attribute, paths_from_touchpoints};
    use crate::journey::funnel::{
        CustomerGroups, Funnel, FunnelExtras, FunnelOrder, GroupBy, run_funnel_by, run_funnel_with,
    };
    use crate::journey::transitions::{SequenceBy, SequenceConfig, journey_sequences};
    use crate::journey::triggers::{TriggerConfig, TriggerEngine};
    use crate::journey::{StageConfig, StageRules};
    use crate::model::{Touchpoint, TouchpointColumns, TouchpointTable};
    use crate::partial::{CohortActivity, Partial, PartialSpec};
    use crate::testing;
    use proptest::prelude::*;

    const DAY: i64 = 86_400;

    /// Touchpoints of three customers at five distinct times (days apart, so
    /// that cohorts, stages and triggers see time pass): almost every row ties
    /// with another of its customer. Each row has a campaign (0 to 2).
    fn tied_rows() -> impl Strategy<Value = Vec<(Touchpoint, u64)>> {
        let times = [0, 1, 3 * DAY, 45 * DAY, 200 * DAY].map(|d| testing::START + d);
        proptest::collection::vec(
            (
                testing::touchpoint(3, 0, 1),
                0..times.len(),
                prop_oneof![Just(0.0), Just(5.0), Just(12.5)],
                0u64..3,
                // One row in two is plain: a click, visit, cart or purchase on
                // email or web, with no money or rating, so that rows equal up
                // to their campaign are common.
                proptest::option::of((0usize..4, 0u8..2)),
            )
                .prop_map(move |(tp, t, value, campaign, plain)| {
                    use crate::model::{Channel, TouchpointKind as K};
                    let value = if tp.kind == K::Refund { 0.0 } else { value };
                    let tp = Touchpoint {
                        time: times[t],
                        value,
                        ..tp
                    };
                    let tp = match plain {
                        Some((k, c)) => Touchpoint::new(
                            tp.customer,
                            tp.time,
                            [Channel::Email, Channel::Web][usize::from(c)],
                            [K::Click, K::Visit, K::CartAdd, K::Purchase][k],
                        ),
                        None => tp,
                    };
                    (tp, campaign)
                }),
            0..60,
        )
    }

    fn table(rows: &[(Touchpoint, u64)]) -> (TouchpointTable, Vec<u64>) {
        let mut t = TouchpointTable::default();
        rows.iter().for_each(|r| t.push(&r.0));
        (t, rows.iter().map(|r| r.1).collect())
    }

    fn funnel(order: FunnelOrder) -> Funnel {
        serde_json::from_value(serde_json::json!({
            "steps": [
                {"name": "seen", "kinds": ["impression", "visit", "open"]},
                {"name": "clicked the mail", "kinds": ["click"], "campaigns": [1]},
                {"name": "carted", "kinds": ["cart_add", "click"]},
                {"name": "bought", "kinds": ["purchase"]}],
            "window": 60 * DAY,
            "order": order,
        }))
        .unwrap()
    }

    fn specs(as_of: i64) -> Vec<PartialSpec> {
        let sequences = |by| PartialSpec::Sequences {
            config: SequenceConfig {
                by,
                steps: 4,
                path_length: 4,
                top_paths: 50,
            },
        };
        vec![
            PartialSpec::Funnel {
                funnel: funnel(FunnelOrder::Loose),
            },
            PartialSpec::Funnel {
                funnel: funnel(FunnelOrder::Strict),
            },
            sequences(SequenceBy::Channel),
            sequences(SequenceBy::Kind),
            PartialSpec::Paths(crate::journey::attribution::PathOptions {
                lookback: 30 * DAY,
                ..Default::default()
            }),
            PartialSpec::Cohorts {
                as_of,
                config: Default::default(),
                activity: CohortActivity::Purchases,
            },
            PartialSpec::Cohorts {
                as_of,
                config: Default::default(),
                activity: CohortActivity::Any,
            },
            PartialSpec::EventPaths {
                config: serde_json::from_str(
                    r#"{"by": "kind:channel:campaign", "per": "session", "session": {"gap": 86400}}"#,
                )
                .unwrap(),
            },
        ]
    }

    /// Every journey analysis of `rows`, in one pass and through partials of
    /// the customers split in two (then merged), as comparable text.
    fn analyses(rows: &[(Touchpoint, u64)]) -> Vec<String> {
        let (t, campaign) = table(rows);
        let cols: TouchpointColumns<'_> = t.columns();
        let extras = FunnelExtras {
            campaign: &campaign,
            stages: None,
            events: None,
            session: &[],
        };
        let until = testing::START + 400 * DAY;
        let mut out = Vec::new();
        for order in [FunnelOrder::Loose, FunnelOrder::Strict] {
            out.push(format!(
                "{:?}",
                run_funnel_with(&cols, &extras, &funnel(order))
            ));
        }
        // Funnels by acquisition channel (the channel of the first touchpoint).
        let plain = funnel(FunnelOrder::Loose);
        let plain = Funnel {
            steps: plain
                .steps
                .into_iter()
                .filter(|s| s.campaigns.is_empty())
                .collect(),
            ..plain
        };
        let groups = CustomerGroups::first_touch(&cols, GroupBy::AcquisitionChannel);
        out.push(format!("{groups:?}"));
        if let Ok(groups) = &groups {
            out.push(format!("{:?}", run_funnel_by(&cols, &plain, groups)));
        }
        for by in [SequenceBy::Channel, SequenceBy::Kind] {
            let config = SequenceConfig {
                by,
                steps: 4,
                path_length: 4,
                top_paths: 50,
            };
            out.push(format!("{:?}", journey_sequences(&cols, &config)));
        }
        let paths = paths_from_touchpoints(&cols, crate::model::time::Seconds(30 * DAY));
        out.push(format!("{paths:?}"));
        if let Ok(paths) = &paths {
            for rule in [
                Rule::Markov { order: 1 },
                Rule::Markov { order: 2 },
                Rule::FirstTouch,
            ] {
                out.push(format!("{:?}", attribute(paths, &rule)));
            }
        }
        let rules = StageRules::new(StageConfig::default()).unwrap();
        let history = rules.history(&cols, until);
        out.push(format!("{history:?}"));
        if let Ok(history) = &history {
            let with_stages = FunnelExtras {
                campaign: &campaign,
                stages: Some(history),
                events: None,
                session: &[],
            };
            let mut f = funnel(FunnelOrder::Strict);
            f.steps[0].stages = vec![crate::model::JourneyStage::Engaged];
            out.push(format!("{:?}", run_funnel_with(&cols, &with_stages, &f)));
        }
        let cfg: TriggerConfig = serde_json::from_value(serde_json::json!({"rules": [
            {"name": "welcome", "action": "welcome", "when": {"type": "first_touch"}, "delay": 600},
            {"name": "cart", "action": "remind", "when": {"type": "abandoned_cart", "wait": 3600}},
            {"name": "second", "action": "reward", "when": {"type": "nth_purchase", "n": 2}},
            {"name": "win_back", "action": "win_back", "when": {"type": "at_risk"}}],
            "cap": {"max": 2, "window": 7 * DAY}}))
        .unwrap();
        let mut engine = TriggerEngine::new(cfg).unwrap();
        let mut actions = engine.push(&cols).unwrap();
        actions.extend(engine.advance(until).unwrap());
        out.push(format!("{actions:?}"));
        // Partials: one pass, and customers split in two parts merged.
        let part = |odd: bool| -> Vec<(Touchpoint, u64)> {
            rows.iter()
                .filter(|r| (r.0.customer % 2 == 1) == odd)
                .copied()
                .collect()
        };
        let (odd, even) = (table(&part(true)), table(&part(false)));
        // A part without rows has no campaign column: its partial is the empty one.
        let partial = |spec: &PartialSpec, (t, campaign): &(TouchpointTable, Vec<u64>)| {
            if campaign.is_empty() {
                return Partial::new(spec).unwrap();
            }
            let extras = FunnelExtras {
                campaign,
                stages: None,
                events: None,
                session: &[],
            };
            Partial::from_touchpoints_with(spec, &t.columns(), &extras).unwrap()
        };
        for spec in specs(until) {
            let one = partial(&spec, &(t.clone(), campaign.clone()));
            let mut merged = partial(&spec, &odd);
            merged.merge(partial(&spec, &even)).unwrap();
            assert_eq!(one, merged, "{spec:?}");
            out.push(format!("{:?}", one.result()));
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Shuffling the rows (nearly all of them tied with another row of
        /// their customer and second) changes no journey analysis, in one pass
        /// or through merged partials.
        #[test]
        fn prop_row_order_changes_no_journey_analysis(
            rows in tied_rows().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        ) {
            let (rows, shuffled) = rows;
            let a = analyses(&rows);
            let b = analyses(&shuffled);
            for (x, y) in a.iter().zip(&b) {
                prop_assert_eq!(x, y);
            }
        }
    }
}
