//! The header's catalogue of JSON inputs ("JSON inputs" near its top) gives one example per
//! input type; each example parses as that type (configurations also pass their checks), every
//! type of the catalogue has its example, and the Python package's docstring lists the same
//! examples, so both faces document the same shapes.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a test: a failure is the report

use std::path::PathBuf;

use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::{DiscountOptions, MatrixValue, ModelWithUnit};
use engagement_core::journey::attribution::{PathTable, Rule};
use engagement_core::journey::funnel::{Funnel, GroupBy};
use engagement_core::journey::paths::PathConfig;
use engagement_core::journey::sessions::SessionConfig;
use engagement_core::journey::transitions::SequenceConfig;
use engagement_core::journey::triggers::TriggerConfig;
use engagement_core::limits::from_json;
use engagement_core::partial::PartialSpec;
use engagement_core::retention::cohort::CohortConfig;
use engagement_core::transactions::SummaryConfig;
use engagement_core::{
    ActionTable, Channel, Customer, EngError, EventDictionary, LabelMap, LoyaltyAccounts,
    LoyaltyConfig, RfmConfig, ScoreConfig, SegmentMembership, SegmentSet, SimpleClvInput,
    StageConfig, StageHistory,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `(type, json)` of each catalogue line in `text`, whose lines start with `prefix`.
fn catalogue(text: &str, prefix: &str) -> Vec<(String, String)> {
    let start = text.find("JSON inputs").expect("a JSON inputs section");
    text[start..]
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .take_while(|l| !l.trim_start().starts_with("A model"))
        .filter_map(|l| {
            let (name, json) = l.trim().split_once("  ")?;
            let json = json.trim();
            (name.chars().all(|c| c.is_ascii_alphanumeric()) && json.starts_with(['{', '[']))
                .then(|| (name.to_owned(), json.to_owned()))
        })
        .collect()
}

fn check(name: &str, json: &str) -> Result<(), EngError> {
    match name {
        "ScoreConfig" => from_json::<ScoreConfig>(json)?.validate(),
        "StageConfig" => from_json::<StageConfig>(json).map(drop),
        "SequenceConfig" => from_json::<SequenceConfig>(json).map(drop),
        "Funnel" => from_json::<Funnel>(json).map(drop),
        "GroupBy" => from_json::<GroupBy>(json).map(drop),
        "GroupLabels" => from_json::<Vec<String>>(json).map(drop),
        "CohortConfig" => from_json::<CohortConfig>(json).map(drop),
        "TriggerConfig" => from_json::<TriggerConfig>(json)?.validate(),
        "SegmentSet" => SegmentSet::from_json(json).map(drop),
        "RfmConfig" => from_json::<RfmConfig>(json)?.validate(),
        "LoyaltyConfig" => from_json::<LoyaltyConfig>(json)?.validate(),
        "ActionTable" => from_json::<ActionTable>(json).map(drop),
        "Membership" => from_json::<SegmentMembership>(json).map(drop),
        "Accounts" => LoyaltyAccounts::from_json(json).map(drop),
        "StageHistory" => from_json::<StageHistory>(json).map(drop),
        "Customer" => from_json::<Customer>(json).map(drop),
        "Aliases" => from_json::<LabelMap<Channel>>(json).map(drop),
        "SummaryConfig" => from_json::<SummaryConfig>(json).map(drop),
        "FitOptions" => from_json::<FitOptions>(json).map(drop),
        "Model" => ModelWithUnit::from_json(json).map(drop),
        "DiscountOptions" => from_json::<DiscountOptions>(json).map(drop),
        "MatrixValue" => from_json::<MatrixValue>(json).map(drop),
        "PathTable" => from_json::<PathTable>(json).map(drop),
        "PathOptions" => from_json::<engagement_core::attribution::PathOptions>(json).map(drop),
        "Rule" => from_json::<Rule>(json).map(drop),
        "PartialSpec" => from_json::<PartialSpec>(json).map(drop),
        "SimpleClvInput" => from_json::<SimpleClvInput>(json).map(drop),
        "PathConfig" => from_json::<PathConfig>(json)?.validate(),
        "SessionConfig" => from_json::<SessionConfig>(json)?.validate(),
        "EventLabels" => from_json::<EventDictionary>(json).map(drop),
        "StickinessConfig" => {
            from_json::<engagement_core::stickiness::StickinessConfig>(json)?.validate()
        }
        "LifecycleConfig" => {
            from_json::<engagement_core::lifecycle::LifecycleConfig>(json)?.validate()
        }
        "RetentionConfig" => {
            from_json::<engagement_core::returning::RetentionConfig>(json)?.validate()
        }
        "ReadoutConfig" => from_json::<engagement_core::experiment::ReadoutConfig>(json).map(drop),
        "ExperimentSpec" => {
            from_json::<engagement_core::experiment::ExperimentSpec>(json).map(drop)
        }
        "CoxConfig" => from_json::<engagement_core::survival::CoxConfig>(json).map(drop),
        "CoxColumns" => from_json::<engagement_core::survival::CoxColumns>(json).map(drop),
        "JourneyStateConfig" => from_json::<engagement_core::JourneyStateConfig>(json)?.validate(),
        "ArmSums" => from_json::<Vec<engagement_core::experiment::ArmSums>>(json).map(drop),
        other => panic!("the catalogue names {other}, which this test does not know: add it"),
    }
}

const TYPES: usize = 39;

#[test]
fn every_json_example_of_the_header_parses_as_its_type() {
    let header = std::fs::read_to_string(root().join("include/engagement.h")).expect("header");
    let examples = catalogue(&header, " *   ");
    assert_eq!(examples.len(), TYPES, "{examples:?}");
    for (name, json) in &examples {
        check(name, json).unwrap_or_else(|e| panic!("{name} {json}: {e}"));
    }
    let mut names: Vec<_> = examples.iter().map(|e| &e.0).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), TYPES, "one example per type");

    let python =
        std::fs::read_to_string(root().join("engagement-py/python/engagement/__init__.py"))
            .expect("package");
    assert_eq!(
        catalogue(&python, "    "),
        examples,
        "the Python docstring lists the header's examples"
    );
}
