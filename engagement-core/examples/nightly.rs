//! A CRM's nightly job on `engagement-core`, with the typed API: each day's
//! touchpoints pushed into a profile store, then scores, stages, segments
//! from typed rules, next best actions, lifetime value with explicit units,
//! a funnel built in Rust, and the same funnel from partials merged (as a
//! cluster would compute it), on a generated sample of 2,000 customers.
//!
//!     cargo run -p engagement-core --example nightly

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use engagement_core::clv::{ClvModel, ClvModelKind, FitOptions, Horizon};
use engagement_core::journey::funnel::{Funnel, FunnelStep, run_funnel};
use engagement_core::partial::{Partial, PartialResult, PartialSpec};
use engagement_core::segment::rule::{SegmentRule, field, kind_count};
use engagement_core::synth::{SynthConfig, generate};
use engagement_core::transactions::{Period, SummaryConfig, TransactionTable, summarize};
use engagement_core::{
    ActionInputs, ActionTable, CustomerFeatures, JourneyStage, ProfileStore, ScoreConfig, Scorer,
    SegmentSet, StageConfig, StageRules, TouchpointColumns, TouchpointKind as Kind,
    TouchpointTable,
};

const DAY: Duration = Duration::from_secs(86_400);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table = generate(&SynthConfig {
        customers: 2_000,
        ..Default::default()
    })?;
    let all = table.columns();

    // 1. Each day's touchpoints (the rows are in time order), pushed as a
    //    nightly job receives them.
    let config = ScoreConfig::default();
    let mut store = ProfileStore::new(config.signals.clone())?;
    let (mut start, mut days) = (0, 0);
    while start < table.len() {
        let today = table.time[start] / 86_400;
        let end = start + table.time[start..].partition_point(|t| t / 86_400 == today);
        store.push_columns(&rows(&all, start..end))?;
        (start, days) = (end, days + 1);
    }
    let as_of = UNIX_EPOCH + Duration::from_secs(table.time[table.time.len() - 1] as u64) + DAY;
    println!(
        "{} touchpoints pushed over {days} days: {} customers",
        table.len(),
        store.len()
    );

    // 2. Scores and stages, read as rows.
    let scores = Scorer::new(config)?.score_store(&store, as_of)?;
    let best = scores
        .iter()
        .max_by(|a, b| a.total.total_cmp(&b.total))
        .ok_or("no customers")?;
    println!(
        "highest engagement: customer {} ({:.1})",
        best.customer, best.total
    );
    let stages = StageRules::new(StageConfig::default())?.stage_store(&store, as_of)?;
    let mut by_stage: BTreeMap<JourneyStage, usize> = BTreeMap::new();
    for row in stages.iter() {
        *by_stage.entry(row.stage).or_default() += 1;
    }
    println!("stages: {by_stage:?}");

    // 3. Segments from typed rules, and the next best action of each customer.
    let segments = SegmentSet::new([
        (
            "vip",
            SegmentRule::all([
                field("revenue").ge(300.0),
                field("stage").one_of([JourneyStage::Loyal, JourneyStage::Advocate]),
            ]),
        ),
        (
            "lapsing_buyers",
            SegmentRule::all([
                kind_count(Kind::Purchase).gt(0.0),
                field("days_since_last_touch").le(30.0).negate(),
            ]),
        ),
    ])?;
    let features = CustomerFeatures::from_store(&store, as_of)?.with_stages(&stages)?;
    let membership = segments.evaluate(&features)?;
    for name in segments.names() {
        let n = membership.iter().filter(|r| r.is_in(name)).count();
        println!("segment {name}: {n} customers");
    }
    let inputs = ActionInputs {
        stages: Some(&stages),
        segments: Some(&membership),
        ..Default::default()
    };
    let actions = ActionTable::default().recommend(store.customers(), &inputs)?;
    let mut by_action: BTreeMap<&str, usize> = BTreeMap::new();
    for row in actions.iter() {
        *by_action.entry(row.action.unwrap_or("(none)")).or_default() += 1;
    }
    println!("next best actions: {by_action:?}");

    // 4. Lifetime value: purchases summarised in weeks, BG/NBD, 12 weeks ahead.
    let purchases = TransactionTable::purchases(&all)?;
    let weekly = SummaryConfig {
        period: Period::Day,
        unit: Period::Week,
    };
    let summary = summarize(&purchases.columns(), as_of, &weekly)?;
    let fit = ClvModel::fit_summary(ClvModelKind::BgNbd, &summary, &FitOptions::default())?;
    let columns = summary.columns();
    let alive = fit.model.p_alive(&columns)?;
    let next = fit
        .model
        .expected_purchases_over(Horizon::Weeks(12.0), &columns)?;
    let first = summary.iter().next().ok_or("no buyers")?;
    println!(
        "BG/NBD (weeks) over {} buyers: customer {} alive with p = {:.2}, {:.2} purchases in the next 12 weeks",
        summary.len(),
        first.customer,
        alive[0],
        next[0]
    );

    // 5. A funnel built in Rust, and the same from two partials merged.
    let funnel = Funnel::new([
        FunnelStep::new("opened").kinds([Kind::Open]),
        FunnelStep::new("clicked").kinds([Kind::Click]),
        FunnelStep::new("bought").kinds([Kind::Purchase]),
    ])
    .window(7 * DAY);
    let whole = run_funnel(&all, &funnel)?;
    let spec = PartialSpec::Funnel {
        funnel: funnel.clone(),
    };
    let half = |odd: u64| -> Result<Partial, engagement_core::EngError> {
        let mut part = TouchpointTable::default();
        for i in (0..table.len()).filter(|&i| table.customer[i] % 2 == odd) {
            part.push(&all.row(i)?);
        }
        Partial::from_touchpoints(&spec, &part.columns())
    };
    let mut merged = half(0)?;
    merged.merge(half(1)?)?;
    let PartialResult::Funnel(from_parts) = merged.result()? else {
        return Err("a funnel partial gives a funnel".into());
    };
    assert_eq!(from_parts, whole);
    for (step, customers) in whole.steps.iter().zip(&whole.customers) {
        println!("funnel {step}: {customers}");
    }
    Ok(())
}

/// Rows `range` of the columns (every column present is cut the same way).
fn rows<'a>(c: &TouchpointColumns<'a>, range: std::ops::Range<usize>) -> TouchpointColumns<'a> {
    let cut = |len: usize| if len == 0 { 0..0 } else { range.clone() };
    TouchpointColumns {
        customer: &c.customer[range.clone()],
        time: &c.time[range.clone()],
        channel: &c.channel[range.clone()],
        kind: &c.kind[range.clone()],
        value: &c.value[cut(c.value.len())],
        rating: &c.rating[cut(c.rating.len())],
        rating_scale: &c.rating_scale[cut(c.rating_scale.len())],
    }
}
