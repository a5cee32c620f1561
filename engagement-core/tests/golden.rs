//! Runs every case of `tests/golden/*.json` (see `tests/golden/README.md`).
//!
//! `GOLDEN_CASE=<area>/<name>` runs a single case.

use std::path::PathBuf;

use engagement_core::attribution::{
    PathOptions, PathTable, Rule, attribute, paths_from_touchpoints, paths_from_touchpoints_by,
};
use engagement_core::clv::fit::FitOptions;
use engagement_core::clv::{ClvColumns, ClvModel, ClvModelKind, DiscountOptions, MatrixValue};
use engagement_core::cohort::{CohortConfig, cohorts};
use engagement_core::experiment::{
    Arm, ArmSums, Assignment, BetaPrior, Correction, UnitColumns, adjust_p_values,
    bayesian_conversion_test, conversion_test, experiment_readout, power_two_proportions, readout,
    readout_from_sums, sample_size_two_proportions, srm_test, welch_test,
};
use engagement_core::funnel::{
    CustomerGroups, Funnel, FunnelExtras, run_funnel_by, run_funnel_with,
};
use engagement_core::journey::paths::{PathColumns, PathConfig, path_analysis};
use engagement_core::journey::sessions::{SessionConfig, sessionize, sessions_by_id};
use engagement_core::partial::{Partial, PartialSpec};
use engagement_core::survival::{
    CoxColumns, CoxConfig, CoxCovariates, cox, kaplan_meier, logrank_test, rmst, rmst_difference,
};
use engagement_core::transactions::{
    SummaryConfig, TransactionColumns, calibration_and_holdout, summarize,
};
use engagement_core::transitions::{SequenceConfig, journey_sequences, stage_transitions};
use engagement_core::triggers::{TriggerConfig, TriggerEngine};
use engagement_core::{
    ActionInputs, ActionTable, Channel, Code, CustomerFeatures, EngError, EventColumn,
    EventDictionary, JourneyStage, LabelMap, LoyaltyConfig, MonetaryBasis, ProfileStore,
    RatingScale, RedemptionColumns, RfmConfig, RfmValues, ScoreConfig, Scorer, SegmentSet,
    SignalConfig, SimpleClvInput, StageColumns, StageConfig, StageRules, TouchpointKind,
    TouchpointTable, csat, nps, percentile_ranks, retention_clv, retention_rate, rfm_scores,
    run_loyalty, simple_clv,
};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    area: String,
    cases: Vec<Case>,
    /// The bad-input matrix's class descriptions (`bad_input.json` only).
    #[serde(default)]
    #[allow(dead_code)]
    classes: Option<Value>,
    /// The matrix's rows that only one face can express, and where each is tested.
    #[serde(default)]
    #[allow(dead_code)]
    face_specific: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    op: String,
    input: Value,
    #[serde(default)]
    config: Option<Value>,
    expected: Value,
    tolerance: f64,
    source: String,
    /// The bad-input matrix's input class (`bad_input.json` only).
    #[serde(default)]
    #[allow(dead_code)]
    class: Option<String>,
}

/// Reads a golden input as serde reads JSON, except that the strings `"NaN"`,
/// `"inf"` and `"-inf"` are floats (JSON has no such numbers; the README's
/// float tokens).
struct Tokens<'a>(&'a Value);

fn token(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

impl<'de> serde::Deserializer<'de> for Tokens<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        use serde::de::value::{MapDeserializer, SeqDeserializer};
        match self.0 {
            Value::String(s) if token(s).is_some() => v.visit_f64(token(s).unwrap_or_default()),
            Value::Array(a) => {
                let mut seq = SeqDeserializer::new(a.iter().map(Tokens));
                let out = v.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Value::Object(m) => {
                let mut map = MapDeserializer::new(m.iter().map(|(k, x)| (k.as_str(), Tokens(x))));
                let out = v.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
            other => serde::Deserializer::deserialize_any(other, v),
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        serde::Deserializer::deserialize_enum(self.0, name, variants, v)
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Self::Error> {
        v.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de> serde::de::IntoDeserializer<'de, serde_json::Error> for Tokens<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

fn read<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, serde_json::Error> {
    T::deserialize(Tokens(v))
}

/// Touchpoints as the golden files write them: labels instead of codes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelledTouchpoints {
    customer: Vec<u64>,
    time: Vec<i64>,
    channel: Vec<String>,
    kind: Vec<String>,
    #[serde(default)]
    value: Vec<f64>,
    #[serde(default)]
    rating: Vec<Option<f32>>,
    #[serde(default)]
    rating_scale: Vec<String>,
}

fn touchpoints(input: &Value) -> Result<TouchpointTable, EngError> {
    let t: LabelledTouchpoints = read(&input["touchpoints"])?;
    let scale = |s: &String| match s.as_str() {
        "nps" => Ok(RatingScale::Nps as u8),
        "csat" => Ok(RatingScale::Csat as u8),
        "ces" => Ok(RatingScale::Ces as u8),
        other => Err(EngError::unknown_label(
            "rating_scale",
            other,
            ["nps", "csat", "ces"],
        )),
    };
    Ok(TouchpointTable {
        customer: t.customer,
        time: t.time,
        channel: LabelMap::<Channel>::default().parse_column(&t.channel)?,
        kind: LabelMap::<TouchpointKind>::default().parse_column(&t.kind)?,
        value: t.value,
        rating: t
            .rating
            .into_iter()
            .map(|r| r.unwrap_or(f32::NAN))
            .collect(),
        rating_scale: t.rating_scale.iter().map(scale).collect::<Result<_, _>>()?,
    })
}

/// An event log (`input.events`): customers, times, event labels and the optional columns.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventLog {
    customer: Vec<u64>,
    time: Vec<i64>,
    #[serde(default)]
    event: Option<Vec<String>>,
    #[serde(default)]
    channel: Vec<String>,
    #[serde(default)]
    kind: Vec<String>,
    #[serde(default)]
    campaign: Vec<u64>,
    #[serde(default)]
    session: Vec<u64>,
    #[serde(default)]
    value: Vec<f64>,
}

/// An event log with channel and kind as codes (empty when absent), event codes and their dictionary.
type LoggedEvents = (EventLog, Vec<u8>, Vec<u8>, Vec<u32>, EventDictionary);

/// The log's columns (see [`LoggedEvents`]).
fn event_log(input: &Value) -> Result<LoggedEvents, EngError> {
    let log: EventLog = read(&input["events"])?;
    let channel = LabelMap::<Channel>::default().parse_column(&log.channel)?;
    let kind = LabelMap::<TouchpointKind>::default().parse_column(&log.kind)?;
    let mut dict = EventDictionary::new();
    let codes = match &log.event {
        Some(labels) => dict.intern_all(labels)?,
        None => Vec::new(),
    };
    Ok((log, channel, kind, codes, dict))
}

fn config<T: serde::de::DeserializeOwned + Default>(case: &Case) -> Result<T, EngError> {
    match &case.config {
        Some(c) => Ok(serde_json::from_value(c.clone())?),
        None => Ok(T::default()),
    }
}

/// Rows `start..end` of an optional column (empty when absent).
fn optional_part<T>(column: &[T], start: usize, end: usize) -> &[T] {
    if column.is_empty() {
        column
    } else {
        &column[start..end]
    }
}

/// Whether a case runs hostile nights (`input.hostile`): before each night's load a copy of the
/// saved bytes cut short must be refused, and before each night's push the night with its last
/// row before 1970 must be refused; the result must be that of the good nights alone.
fn hostile(input: &Value) -> bool {
    input.get("hostile").and_then(Value::as_bool) == Some(true)
}

/// Saved bytes as a case's `damage` says: keep `truncate` bytes (negative:
/// drop that many from the end), or invert the byte at `flip`.
fn damaged(mut bytes: Vec<u8>, input: &Value) -> Vec<u8> {
    let Some(damage) = input.get("damage") else {
        return bytes;
    };
    if let Some(keep) = damage.get("truncate").and_then(Value::as_i64) {
        let keep = if keep < 0 {
            bytes.len().saturating_sub(keep.unsigned_abs() as usize)
        } else {
            keep as usize
        };
        bytes.truncate(keep);
    }
    if let Some(at) = damage.get("flip").and_then(Value::as_u64) {
        bytes[at as usize] ^= 0xff;
    }
    bytes
}

fn num<T: serde::de::DeserializeOwned>(input: &Value, key: &str) -> T {
    read(&input[key]).unwrap_or_else(|e| panic!("input.{key}: {e}"))
}

/// A loyalty report with tiers by name, as the golden files write it.
fn loyalty_json(report: &engagement_core::LoyaltyReport) -> Result<Value, EngError> {
    let names = &report.accounts.tier_names;
    let label = |t: &Option<engagement_core::segment::TierId>| t.map(|i| names[i.index()].clone());
    let mut accounts = serde_json::to_value(&report.accounts)?;
    accounts["tier"] = json!(report.accounts.tier.iter().map(label).collect::<Vec<_>>());
    let mut history = serde_json::to_value(&report.history)?;
    history["tier"] = json!(report.history.tier.iter().map(label).collect::<Vec<_>>());
    Ok(json!({ "accounts": accounts, "history": history }))
}

/// A journey state pushed night by night (nights cut at `input.cuts`), saved and loaded before
/// each night and before reading `input.read`.
fn journey_state(case: &Case) -> Result<Value, EngError> {
    use engagement_core::{JourneyState, TouchpointTable};
    let input = &case.input;
    let table = touchpoints(input)?;
    let c = table.columns();
    c.validate()?;
    let empty = json!({"customer": [], "time": [], "points": []});
    let r = input.get("redemptions").unwrap_or(&empty);
    let (rc, rt, rp): (Vec<u64>, Vec<i64>, Vec<u64>) =
        (num(r, "customer"), num(r, "time"), num(r, "points"));
    let cuts: Vec<i64> = num(input, "cuts");
    let mut saved = JourneyState::new(config(case)?)?.to_bytes()?;
    let mut lo = i64::MIN;
    for hi in cuts.into_iter().chain([i64::MAX]) {
        let bytes = damaged(saved, input);
        if hostile(input) {
            // A copy cut short is refused, and the intact bytes load as before.
            let cut = JourneyState::from_bytes(&bytes[..bytes.len().saturating_sub(1)]);
            assert_eq!(
                cut.err().map(|e| e.kind() == "corrupt"),
                Some(true),
                "{}",
                case.name
            );
        }
        let mut state = JourneyState::from_bytes(&bytes)?;
        let mut night = TouchpointTable::default();
        for i in (0..c.len()).filter(|&i| (lo..hi).contains(&c.time[i])) {
            night.push(&c.row(i)?);
        }
        let reds: Vec<usize> = (0..rc.len())
            .filter(|&i| (lo..hi).contains(&rt[i]))
            .collect();
        let pick = |v: &[u64]| reds.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let (nc, np) = (pick(&rc), pick(&rp));
        let nt: Vec<i64> = reds.iter().map(|&i| rt[i]).collect();
        let redemptions = RedemptionColumns {
            customer: &nc,
            time: &nt,
            points: &np,
        };
        if hostile(input) && !night.is_empty() {
            // The night with its last row before 1970 is refused whole, changing nothing.
            let cols = night.columns();
            let mut time = cols.time.to_vec();
            if let Some(last) = time.last_mut() {
                *last = -1;
            }
            let bad = state.push(
                &engagement_core::TouchpointColumns {
                    time: &time,
                    ..cols
                },
                &redemptions,
            );
            assert_eq!(
                bad.err().map(|e| e.kind() == "invalid_input"),
                Some(true),
                "{}",
                case.name
            );
        }
        // `again`: the last night pushed twice (a late night, refused).
        let again = hi == i64::MAX && input.get("again").is_some();
        for _ in 0..1 + usize::from(again) {
            state.push(&night.columns(), &redemptions)?;
        }
        saved = state.to_bytes()?;
        lo = hi;
    }
    let state = JourneyState::from_bytes(&damaged(saved, input))?;
    let read = &input["read"];
    Ok(if let Some(h) = read.get("history") {
        serde_json::to_value(state.stage_history(num::<i64>(h, "until"))?)?
    } else if let Some(l) = read.get("loyalty") {
        loyalty_json(&state.loyalty(num::<i64>(l, "as_of"))?)?
    } else if read.get("funnel").is_some() {
        serde_json::to_value(state.funnel()?)?
    } else if let Some(k) = read.get("cohorts") {
        serde_json::to_value(state.cohorts(num::<i64>(k, "as_of"))?)?
    } else {
        let rule: Rule = serde_json::from_value(read["attribute"].clone())?;
        serde_json::to_value(attribute(&state.paths()?, &rule)?)?
    })
}

fn run(case: &Case) -> Result<Value, EngError> {
    let input = &case.input;
    Ok(match case.op.as_str() {
        "paths" | "event_funnel" | "attribute_events" | "retention_events" | "lifecycle_events"
        | "stickiness_events" | "experiment_readout" => {
            let (log, channel, kind, codes, dict) = event_log(input)?;
            let cols = engagement_core::TouchpointColumns {
                customer: &log.customer,
                time: &log.time,
                channel: &channel,
                kind: &kind,
                value: &log.value,
                ..Default::default()
            };
            let events = match log.event {
                Some(_) => Some(EventColumn::new(&codes, &dict)?),
                None => None,
            };
            if case.op == "attribute_events" {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Config {
                    #[serde(default)]
                    paths: PathOptions,
                    rule: Rule,
                }
                let c: Config = serde_json::from_value(case.config.clone().unwrap_or_default())?;
                let extra = PathColumns {
                    events,
                    campaign: &log.campaign,
                    session: &[],
                };
                let paths = paths_from_touchpoints_by(&cols, &extra, &c.paths)?;
                serde_json::to_value(attribute(&paths, &c.rule)?)?
            } else if case.op == "stickiness_events" {
                let extra = PathColumns {
                    events,
                    campaign: &log.campaign,
                    session: &[],
                };
                let config: engagement_core::stickiness::StickinessConfig = config(case)?;
                serde_json::to_value(engagement_core::stickiness::stickiness(
                    &cols, &extra, &config,
                )?)?
            } else if case.op == "lifecycle_events" {
                let extra = PathColumns {
                    events,
                    campaign: &log.campaign,
                    session: &[],
                };
                let config: engagement_core::lifecycle::LifecycleConfig = config(case)?;
                serde_json::to_value(engagement_core::lifecycle::lifecycle(
                    &cols, &extra, &config,
                )?)?
            } else if case.op == "experiment_readout" {
                let extra = PathColumns {
                    events,
                    campaign: &log.campaign,
                    session: &[],
                };
                let a = &input["assignment"];
                let (customer, arm, exposed_at) = (
                    num::<Vec<u64>>(a, "customer"),
                    num::<Vec<u32>>(a, "arm"),
                    num::<Vec<i64>>(a, "exposed_at"),
                );
                let assignment = Assignment {
                    customer: &customer,
                    arm: &arm,
                    exposed_at: &exposed_at,
                };
                let names = num::<Vec<String>>(input, "arm_names");
                serde_json::to_value(experiment_readout(
                    &cols,
                    &extra,
                    &assignment,
                    &names,
                    &config(case)?,
                )?)?
            } else if case.op == "retention_events" {
                let extra = PathColumns {
                    events,
                    campaign: &log.campaign,
                    session: &[],
                };
                let config: engagement_core::returning::RetentionConfig = config(case)?;
                serde_json::to_value(engagement_core::returning::retention(
                    &cols, &extra, &config,
                )?)?
            } else if case.op == "paths" {
                let extra = PathColumns {
                    events,
                    campaign: &log.campaign,
                    session: &log.session,
                };
                serde_json::to_value(path_analysis(&cols, &extra, &config::<PathConfig>(case)?)?)?
            } else {
                let funnel: Funnel =
                    serde_json::from_value(case.config.clone().unwrap_or_default())?;
                let extras = FunnelExtras {
                    campaign: &log.campaign,
                    stages: None,
                    events,
                    session: &log.session,
                };
                serde_json::to_value(run_funnel_with(&cols, &extras, &funnel)?)?
            }
        }
        "sessions" => {
            let log: EventLog = read(&input["events"])?;
            let s = if log.session.is_empty() {
                sessionize(&log.customer, &log.time, &config::<SessionConfig>(case)?)?
            } else {
                sessions_by_id(&log.customer, &log.time, &log.session)?
            };
            let summary = s.summary().ok();
            let mut v = serde_json::to_value(&s)?;
            v["summary"] = serde_json::to_value(summary)?;
            v
        }
        "profiles" => {
            let table = touchpoints(input)?;
            let store =
                ProfileStore::from_columns(config::<SignalConfig>(case)?, &table.columns())?;
            let profiles: Vec<_> = store.iter().map(|p| p.summary()).collect();
            json!({ "profiles": profiles })
        }
        "journey_state" => journey_state(case)?,
        "store_nightly" => {
            // Each day: load yesterday's saved store, push the day's rows, save.
            let cfg: ScoreConfig = config(case)?;
            let scorer = Scorer::new(cfg)?;
            let table = touchpoints(input)?;
            table.columns().validate()?;
            let days: Vec<usize> = serde_json::from_value(input["days"].clone())?;
            let empty = ProfileStore::with_signals(scorer.signals().clone());
            let mut saved = empty.to_bytes_scored(&scorer)?;
            let mut start = 0;
            for size in days {
                let bytes = damaged(saved, input);
                if hostile(input) {
                    // A copy cut short is refused, and the intact bytes load as before.
                    let cut =
                        ProfileStore::from_bytes_scored(&bytes[..bytes.len().saturating_sub(1)]);
                    assert_eq!(
                        cut.err().map(|e| e.kind() == "corrupt"),
                        Some(true),
                        "{}",
                        case.name
                    );
                }
                let (mut store, scorer) = ProfileStore::from_bytes_scored(&bytes)?;
                let c = table.columns();
                let end = start + size;
                let day = engagement_core::TouchpointColumns {
                    customer: &c.customer[start..end],
                    time: &c.time[start..end],
                    channel: &c.channel[start..end],
                    kind: &c.kind[start..end],
                    value: optional_part(c.value, start, end),
                    rating: optional_part(c.rating, start, end),
                    rating_scale: optional_part(c.rating_scale, start, end),
                };
                if hostile(input) && size > 0 {
                    // The day with its last row before 1970 is refused whole, changing nothing.
                    let mut time = day.time.to_vec();
                    time[size - 1] = -1;
                    let bad = store
                        .push_columns(&engagement_core::TouchpointColumns { time: &time, ..day });
                    assert_eq!(
                        bad.err().map(|e| e.kind() == "invalid_input"),
                        Some(true),
                        "{}",
                        case.name
                    );
                }
                store.push_columns(&day)?;
                saved = store.to_bytes_scored(&scorer)?;
                start = end;
            }
            let (store, scorer) = ProfileStore::from_bytes_scored(&damaged(saved, input))?;
            match input.get("as_of") {
                Some(_) => {
                    serde_json::to_value(scorer.score_store(&store, num::<i64>(input, "as_of"))?)?
                }
                None => {
                    json!({ "profiles": store.iter().map(|p| p.summary()).collect::<Vec<_>>() })
                }
            }
        }
        "scores" => {
            let cfg: ScoreConfig = config(case)?;
            let scorer = Scorer::new(cfg)?;
            let table = touchpoints(input)?;
            let mut store = ProfileStore::with_signals(scorer.signals().clone());
            store.push_columns(&table.columns())?;
            serde_json::to_value(scorer.score_store(&store, num::<i64>(input, "as_of"))?)?
        }
        "stages" => {
            let rules = StageRules::new(config::<StageConfig>(case)?)?;
            let table = touchpoints(input)?;
            let store = ProfileStore::from_columns(SignalConfig::default(), &table.columns())?;
            let s = rules.stage_store(&store, num::<i64>(input, "as_of"))?;
            json!({ "customer": s.customer, "stage": s.stage.iter().map(|s| s.label()).collect::<Vec<_>>() })
        }
        "history" => {
            let rules = StageRules::new(config::<StageConfig>(case)?)?;
            let table = touchpoints(input)?;
            serde_json::to_value(rules.history(&table.columns(), num::<i64>(input, "until"))?)?
        }
        "nps" => serde_json::to_value(nps(
            &num::<Vec<f32>>(input, "ratings"),
            num(input, "level"),
        )?)?,
        "csat" => serde_json::to_value(csat(
            &num::<Vec<f32>>(input, "ratings"),
            num(input, "level"),
        )?)?,
        "wilson" => serde_json::to_value(engagement_core::Proportion::wilson(
            num(input, "successes"),
            num(input, "trials"),
            num(input, "level"),
        )?)?,
        "retention" => serde_json::to_value(retention_rate(
            num(input, "at_start"),
            num(input, "at_end"),
            num(input, "new"),
            num(input, "level"),
        )?)?,
        "simple_clv" => {
            let clv_input: SimpleClvInput = read(input)?;
            json!({ "clv": simple_clv(&clv_input)? })
        }
        "retention_clv" => {
            json!({ "clv": retention_clv(num(input, "margin"), num(input, "retention"), num(input, "discount_rate"))? })
        }
        "clv_parameter_intervals" => {
            let i = engagement_core::clv::fit::parameter_intervals(
                &num::<Vec<f64>>(input, "params"),
                &num::<Vec<f64>>(input, "standard_errors"),
                num(input, "level"),
            )?;
            json!({ "low": i.iter().map(|x| x[0]).collect::<Vec<_>>(), "high": i.iter().map(|x| x[1]).collect::<Vec<_>>() })
        }
        "percentile_ranks" => {
            json!({ "ranks": percentile_ranks(&num::<Vec<f64>>(input, "values"))? })
        }
        "transaction_summary" | "calibration_holdout" => {
            let customer: Vec<u64> = num(input, "customer");
            let time: Vec<i64> = num(input, "time");
            let value: Vec<f64> = num(input, "value");
            let cols = TransactionColumns {
                customer: &customer,
                time: &time,
                value: &value,
            };
            let cfg: SummaryConfig = config(case)?;
            if case.op == "transaction_summary" {
                serde_json::to_value(summarize(
                    &cols,
                    num::<i64>(input, "observation_end"),
                    &cfg,
                )?)?
            } else {
                serde_json::to_value(calibration_and_holdout(
                    &cols,
                    num::<i64>(input, "calibration_end"),
                    num::<i64>(input, "observation_end"),
                    &cfg,
                )?)?
            }
        }
        "rfm" => {
            let nan = |key: &str| -> Vec<f64> {
                num::<Vec<Option<f64>>>(input, key)
                    .into_iter()
                    .map(|v| v.unwrap_or(f64::NAN))
                    .collect()
            };
            let values = RfmValues {
                customer: num(input, "customer"),
                recency: nan("recency"),
                frequency: nan("frequency"),
                monetary: nan("monetary"),
            };
            let s = rfm_scores(&values, &config::<RfmConfig>(case)?)?;
            let segment: Vec<&str> = (0..s.customer.len())
                .filter_map(|i| s.segment_name(i))
                .collect();
            json!({ "customer": s.customer, "r": s.r, "f": s.f, "m": s.m, "code": s.code, "score": s.score, "segment": segment })
        }
        "segments" => {
            let table = touchpoints(input)?;
            let as_of: i64 = num(input, "as_of");
            let set = SegmentSet::from_value(input["definition"].clone())?;
            let store = ProfileStore::from_columns(SignalConfig::default(), &table.columns())?;
            let features = CustomerFeatures::from_store(&store, as_of)?
                .with_scores(&Scorer::new(ScoreConfig::default())?.score_store(&store, as_of)?)?
                .with_stages(&StageRules::new(StageConfig::default())?.stage_store(&store, as_of)?)?
                .with_rfm(&rfm_scores(
                    &RfmValues::from_store(&store, as_of, MonetaryBasis::Total)?,
                    &RfmConfig::default(),
                )?)?;
            serde_json::to_value(set.evaluate(&features)?)?
        }
        "loyalty" => {
            let table = touchpoints(input)?;
            let r = &input["redemptions"];
            let (rc, rt, rp): (Vec<u64>, Vec<i64>, Vec<u64>) =
                (num(r, "customer"), num(r, "time"), num(r, "points"));
            let report = run_loyalty(
                &table.columns(),
                &RedemptionColumns {
                    customer: &rc,
                    time: &rt,
                    points: &rp,
                },
                num::<i64>(input, "as_of"),
                &config::<LoyaltyConfig>(case)?,
            )?;
            loyalty_json(&report)?
        }
        "actions" => {
            let labels: Vec<String> = num(input, "stage");
            let stages = StageColumns {
                customer: num(input, "customer"),
                stage: labels
                    .iter()
                    .map(|l| JourneyStage::from_label(l))
                    .collect::<Result<_, _>>()?,
            };
            let a = config::<ActionTable>(case)?.recommend(
                &stages.customer,
                &ActionInputs {
                    stages: Some(&stages),
                    ..Default::default()
                },
            )?;
            let action: Vec<Option<&str>> =
                (0..a.customer.len()).map(|i| a.action_name(i)).collect();
            json!({ "customer": a.customer, "action": action })
        }
        "clv_fit" => {
            let kind: ClvModelKind = num::<String>(input, "model").parse()?;
            let options: FitOptions = config(case)?;
            let columns = clv_columns(input);
            let cols = columns.borrow();
            serde_json::to_value(ClvModel::fit(kind, &cols, &options)?)?
        }
        "conversion_test" => {
            let arm = |k: &str| num::<Arm>(input, k);
            serde_json::to_value(conversion_test(
                arm("control"),
                arm("treatment"),
                num(input, "level"),
            )?)?
        }
        "bayesian_conversion_test" => {
            let arm = |k: &str| num::<Arm>(input, k);
            serde_json::to_value(bayesian_conversion_test(
                arm("control"),
                arm("treatment"),
                config::<BetaPrior>(case)?,
                num(input, "level"),
            )?)?
        }
        "readout" => {
            let column = |k: &str| input.get(k).map(|_| num::<Vec<f64>>(input, k));
            let (values, denominators, pre_values, pre_denominators) = (
                num::<Vec<f64>>(input, "values"),
                column("denominators"),
                column("pre_values"),
                column("pre_denominators"),
            );
            let arm = num::<Vec<u32>>(input, "arm");
            let columns = UnitColumns {
                arm: &arm,
                values: &values,
                denominators: denominators.as_deref(),
                pre_values: pre_values.as_deref(),
                pre_denominators: pre_denominators.as_deref(),
            };
            let names = num::<Vec<String>>(input, "arm_names");
            serde_json::to_value(readout(&columns, &names, &config(case)?)?)?
        }
        "readout_sums" => serde_json::to_value(readout_from_sums(
            &num::<Vec<ArmSums>>(input, "arms"),
            &config(case)?,
        )?)?,
        "srm_test" => {
            let weights = input
                .get("weights")
                .map(|_| num::<Vec<f64>>(input, "weights"));
            serde_json::to_value(srm_test(
                &num::<Vec<u64>>(input, "counts"),
                weights.as_deref(),
            )?)?
        }
        "adjust_p_values" => {
            // The label as the C and Python faces take it.
            let label = case.config.as_ref().and_then(|c| c["correction"].as_str());
            let correction: Correction = label.unwrap_or("none").parse()?;
            json!({ "adjusted": adjust_p_values(&num::<Vec<f64>>(input, "p_values"), correction)? })
        }
        "welch_test" => serde_json::to_value(welch_test(
            &num::<Vec<f64>>(input, "control"),
            &num::<Vec<f64>>(input, "treatment"),
            num(input, "level"),
        )?)?,
        "sample_size_two_proportions" => json!({ "n_per_group": sample_size_two_proportions(
            num(input, "baseline"),
            num(input, "minimum_detectable_effect"),
            num(input, "alpha"),
            num(input, "power"),
        )? }),
        "power_two_proportions" => json!({ "power": power_two_proportions(
            num(input, "baseline"),
            num(input, "minimum_detectable_effect"),
            num(input, "n_per_group"),
            num(input, "alpha"),
        )? }),
        "attribute" => {
            let table: PathTable = serde_json::from_value(input.clone())?;
            serde_json::to_value(attribute(&table.to_paths()?, &config::<Rule>(case)?)?)?
        }
        "attribute_touchpoints" => {
            let table = touchpoints(input)?;
            let paths = paths_from_touchpoints(
                &table.columns(),
                engagement_core::model::time::Seconds(num(input, "lookback")),
            )?;
            serde_json::to_value(attribute(&paths, &config::<Rule>(case)?)?)?
        }
        "journey_sequences" => {
            let table = touchpoints(input)?;
            serde_json::to_value(journey_sequences(
                &table.columns(),
                &config::<SequenceConfig>(case)?,
            )?)?
        }
        "stage_transitions" => {
            let labels: Vec<String> = num(input, "stage");
            let history = engagement_core::StageHistory {
                customer: num(input, "customer"),
                stage: labels
                    .iter()
                    .map(|l| JourneyStage::from_label(l))
                    .collect::<Result<_, _>>()?,
                entered_at: num(input, "entered_at"),
                until: num(input, "until"),
            };
            serde_json::to_value(stage_transitions(&history)?)?
        }
        "triggers" => {
            let table = touchpoints(input)?;
            let cfg: TriggerConfig =
                serde_json::from_value(case.config.clone().unwrap_or_default())?;
            let mut engine = TriggerEngine::new(cfg)?;
            // With `persist`, the engine goes through its saved form before each chunk and the end.
            let persist = input.get("persist").and_then(Value::as_bool) == Some(true);
            // Event labels and campaign ids beside the touchpoints, when the case has them.
            let labels: Option<Vec<String>> = input
                .get("event")
                .map(|v| serde_json::from_value(v.clone()))
                .transpose()?;
            let campaign: Vec<u64> = input
                .get("campaign")
                .map(|v| serde_json::from_value(v.clone()))
                .transpose()?
                .unwrap_or_default();
            let mut dict = EventDictionary::new();
            let codes = match &labels {
                Some(l) => dict.intern_all(l)?,
                None => Vec::new(),
            };
            let chunks: Vec<usize> = match input.get("chunks") {
                Some(c) => serde_json::from_value(c.clone())?,
                None => vec![table.len()],
            };
            let mut actions = Vec::new();
            let mut start = 0;
            // Chunks are cut from whole rows: columns of different lengths are refused first.
            table.columns().validate()?;
            for size in chunks {
                let c = table.columns();
                let end = start + size;
                let chunk = engagement_core::TouchpointColumns {
                    customer: &c.customer[start..end],
                    time: &c.time[start..end],
                    channel: &c.channel[start..end],
                    kind: &c.kind[start..end],
                    value: optional_part(c.value, start, end),
                    rating: optional_part(c.rating, start, end),
                    rating_scale: optional_part(c.rating_scale, start, end),
                };
                // One batch takes the columns whole, so that the engine sees their lengths.
                let whole = start == 0 && end == table.len();
                let chunk_codes = if whole {
                    &codes[..]
                } else {
                    optional_part(&codes, start, end)
                };
                let extra = PathColumns {
                    events: match labels {
                        Some(_) => Some(EventColumn::new(chunk_codes, &dict)?),
                        None => None,
                    },
                    campaign: if whole {
                        &campaign
                    } else {
                        optional_part(&campaign, start, end)
                    },
                    session: &[],
                };
                if persist {
                    engine = TriggerEngine::from_bytes(&damaged(engine.to_bytes()?, input))?;
                }
                actions.extend(engine.push_events(&chunk, &extra)?);
                start = end;
            }
            if persist {
                engine = TriggerEngine::from_bytes(&damaged(engine.to_bytes()?, input))?;
            }
            actions.extend(engine.advance(num::<i64>(input, "until"))?);
            json!({ "actions": actions, "suppressed": engine.suppressed() })
        }
        "funnel_by" => {
            let table = touchpoints(input)?;
            let funnel: Funnel = serde_json::from_value(case.config.clone().unwrap_or_default())?;
            let groups = match input.get("by") {
                Some(by) => CustomerGroups::first_touch(
                    &table.columns(),
                    serde_json::from_value(by.clone())?,
                )?,
                None => serde_json::from_value(input["groups"].clone())?,
            };
            serde_json::to_value(run_funnel_by(&table.columns(), &funnel, &groups)?)?
        }
        "partial" => {
            let table = touchpoints(input)?;
            let spec: PartialSpec =
                serde_json::from_value(case.config.clone().unwrap_or_default())?;
            let parts: Vec<usize> = num(input, "parts");
            let order: Vec<usize> = num(input, "order");
            let mut merged: Option<Partial> = None;
            for &part in &order {
                let mut t = TouchpointTable::default();
                for (i, _) in parts.iter().enumerate().filter(|(_, p)| **p == part) {
                    t.customer.push(table.customer[i]);
                    t.time.push(table.time[i]);
                    t.channel.push(table.channel[i]);
                    t.kind.push(table.kind[i]);
                    t.value.push(table.value[i]);
                    t.rating.push(table.rating[i]);
                    t.rating_scale.push(table.rating_scale[i]);
                }
                // Each part travels in its binary form, as between machines.
                let p = Partial::from_bytes(
                    &Partial::from_touchpoints(&spec, &t.columns())?.to_bytes()?,
                )?;
                match merged.as_mut() {
                    None => merged = Some(p),
                    Some(m) => m.merge(p)?,
                }
            }
            let mut merged = merged.unwrap_or_else(|| panic!("input.order names no part"));
            if let Some(level) = input.get("merge_with_level") {
                let mut other = serde_json::to_value(&spec)?;
                other["level"] = level.clone();
                merged.merge(Partial::new(&serde_json::from_value(other)?)?)?;
            }
            match input.get("rule") {
                Some(rule) => {
                    serde_json::to_value(merged.attribute(&serde_json::from_value(rule.clone())?)?)?
                }
                None => serde_json::to_value(merged.result()?)?,
            }
        }
        "partial_bytes" => {
            let hex: String = num(input, "hex");
            let mut bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| {
                    u8::from_str_radix(&hex[i..i + 2], 16)
                        .unwrap_or_else(|e| panic!("input.hex: {e}"))
                })
                .collect();
            if let Some(n) = input.get("truncate") {
                bytes.truncate(serde_json::from_value(n.clone())?);
            }
            if let Some(i) = input.get("flip") {
                let i: usize = serde_json::from_value(i.clone())?;
                bytes[i] ^= 0xff;
            }
            serde_json::to_value(Partial::from_bytes(&bytes)?.result()?)?
        }
        "funnel" => {
            let table = touchpoints(input)?;
            let funnel: Funnel = serde_json::from_value(case.config.clone().unwrap_or_default())?;
            let campaign: Vec<u64> = input
                .get("campaign")
                .map_or(Ok(Vec::new()), |c| serde_json::from_value(c.clone()))?;
            let history = match input.get("stage_history") {
                Some(h) => {
                    let labels: Vec<String> = num(h, "stage");
                    Some(engagement_core::StageHistory {
                        customer: num(h, "customer"),
                        stage: labels
                            .iter()
                            .map(|l| JourneyStage::from_label(l))
                            .collect::<Result<_, _>>()?,
                        entered_at: num(h, "entered_at"),
                        until: 0,
                    })
                }
                None => None,
            };
            let extras = FunnelExtras {
                campaign: &campaign,
                stages: history.as_ref(),
                events: None,
                session: &[],
            };
            serde_json::to_value(run_funnel_with(&table.columns(), &extras, &funnel)?)?
        }
        "cohorts" => {
            let (customer, time, value): (Vec<u64>, Vec<i64>, Vec<f64>) = (
                num(input, "customer"),
                num(input, "time"),
                num(input, "value"),
            );
            let tx = TransactionColumns {
                customer: &customer,
                time: &time,
                value: &value,
            };
            serde_json::to_value(cohorts(
                &tx,
                num::<i64>(input, "as_of"),
                &config::<CohortConfig>(case)?,
            )?)?
        }
        "kaplan_meier" => serde_json::to_value(kaplan_meier(
            &num::<Vec<f64>>(input, "duration"),
            &num::<Vec<bool>>(input, "observed"),
            num(input, "level"),
        )?)?,
        "logrank_test" => serde_json::to_value(logrank_test(
            &num::<Vec<f64>>(input, "duration_a"),
            &num::<Vec<bool>>(input, "observed_a"),
            &num::<Vec<f64>>(input, "duration_b"),
            &num::<Vec<bool>>(input, "observed_b"),
        )?)?,
        "rmst" => serde_json::to_value(rmst(
            &num::<Vec<f64>>(input, "duration"),
            &num::<Vec<bool>>(input, "observed"),
            num(input, "tau"),
            num(input, "level"),
        )?)?,
        "cox" => {
            let columns: CoxColumns = serde_json::from_value(input["columns"].clone())?;
            let numeric: Vec<Vec<f64>> = num(input, "numeric");
            let categorical: Vec<Vec<u32>> = num(input, "categorical");
            let strata: Option<Vec<u32>> = num(input, "strata");
            let clusters: Option<Vec<u64>> = num(input, "clusters");
            let rows: usize = num(input, "predict_rows");
            let numeric_refs: Vec<&[f64]> = numeric.iter().map(Vec::as_slice).collect();
            let categorical_refs: Vec<&[u32]> = categorical.iter().map(Vec::as_slice).collect();
            let cov = CoxCovariates {
                numeric: &numeric_refs,
                categorical: &categorical_refs,
                strata: strata.as_deref(),
                columns: &columns,
            };
            let model = cox(
                &num::<Vec<f64>>(input, "duration"),
                &num::<Vec<bool>>(input, "observed"),
                &cov,
                clusters.as_deref(),
                &config::<CoxConfig>(case)?,
            )?;
            // Predictions for the first rows.
            let numeric_head: Vec<&[f64]> = numeric.iter().map(|c| &c[..rows]).collect();
            let categorical_head: Vec<&[u32]> = categorical.iter().map(|c| &c[..rows]).collect();
            let head = CoxCovariates {
                numeric: &numeric_head,
                categorical: &categorical_head,
                strata: strata.as_deref().map(|s| &s[..rows]),
                columns: &columns,
            };
            let prediction = model.predict(&head, &num::<Vec<f64>>(input, "times"))?;
            let mut out = serde_json::to_value(&model)?;
            out["prediction"] = serde_json::to_value(prediction)?;
            out
        }
        "rmst_difference" => serde_json::to_value(rmst_difference(
            &num::<Vec<f64>>(input, "duration_a"),
            &num::<Vec<bool>>(input, "observed_a"),
            &num::<Vec<f64>>(input, "duration_b"),
            &num::<Vec<bool>>(input, "observed_b"),
            num(input, "tau"),
            num(input, "level"),
        )?)?,
        "clv_matrix" => {
            let model: ClvModel = serde_json::from_value(input["model"].clone())?;
            let what: MatrixValue = serde_json::from_value(input["value"].clone())?;
            let m = model.frequency_recency_matrix(
                what,
                num(input, "max_frequency"),
                num(input, "T"),
            )?;
            // NaN (impossible histories) is written as null.
            let values: Vec<Option<f64>> = m
                .values
                .iter()
                .map(|v| (!v.is_nan()).then_some(*v))
                .collect();
            json!({ "frequency": m.frequency, "recency": m.recency, "values": values })
        }
        "clv_fit_retention" => {
            let options: FitOptions = config(case)?;
            serde_json::to_value(ClvModel::fit_retention(
                &num::<Vec<f64>>(input, "alive"),
                &options,
            )?)?
        }
        "clv_predict" => {
            let model: engagement_core::clv::ModelWithUnit =
                serde_json::from_value(input["model"].clone())?;
            let columns = clv_columns(input);
            let cols = columns.borrow();
            let values = match num::<String>(input, "prediction").as_str() {
                "p_alive" => model.p_alive(&cols)?,
                "conditional_expected_purchases" => {
                    model.conditional_expected_purchases(num(input, "horizon"), &cols)?
                }
                "expected_purchases_new" => {
                    model.expected_purchases_new(&num::<Vec<f64>>(input, "t"))?
                }
                "expected_spend" => model.expected_spend(&cols)?,
                "survival" => model.survival(&num::<Vec<f64>>(input, "t"))?,
                "retention_rate" => model.retention_rate(&num::<Vec<f64>>(input, "t"))?,
                "probability_of_purchases" => model.probability_of_purchases(
                    &num::<Vec<f64>>(input, "t"),
                    &num::<Vec<f64>>(input, "x"),
                )?,
                "discounted_value" => model.discounted_value(
                    &cols,
                    &num::<Vec<f64>>(input, "spend"),
                    &config::<DiscountOptions>(case)?,
                )?,
                other => panic!("unknown prediction {other:?}"),
            };
            json!({ "values": values })
        }
        "clv_p_alive_history" => {
            let model: ClvModel = serde_json::from_value(input["model"].clone())?;
            let values = model.p_alive_history(
                &num::<Vec<f64>>(input, "purchases"),
                &num::<Vec<f64>>(input, "at"),
            )?;
            json!({ "values": values })
        }
        "clv_period_transactions" => {
            let model: ClvModel = serde_json::from_value(input["model"].clone())?;
            let columns = clv_columns(input);
            serde_json::to_value(
                model.period_transactions(&columns.borrow(), num(input, "max_frequency"))?,
            )?
        }
        "clv_calibration_holdout" => {
            let model: ClvModel = serde_json::from_value(input["model"].clone())?;
            let columns = clv_columns(input);
            serde_json::to_value(model.calibration_holdout(
                &columns.borrow(),
                &num::<Vec<f64>>(input, "holdout"),
                num(input, "duration"),
                num(input, "max_frequency"),
            )?)?
        }
        other => panic!("unknown op {other:?}"),
    })
}

/// Owned CLV columns of a case; absent columns stay absent.
struct OwnedClvColumns {
    frequency: Vec<f64>,
    recency: Option<Vec<f64>>,
    t: Option<Vec<f64>>,
    monetary_value: Option<Vec<f64>>,
    weights: Option<Vec<f64>>,
}

impl OwnedClvColumns {
    fn borrow(&self) -> ClvColumns<'_> {
        ClvColumns {
            frequency: &self.frequency,
            recency: self.recency.as_deref(),
            t: self.t.as_deref(),
            monetary_value: self.monetary_value.as_deref(),
            weights: self.weights.as_deref(),
        }
    }
}

fn clv_columns(input: &Value) -> OwnedClvColumns {
    let opt = |k: &str| input.get(k).map(|_| num::<Vec<f64>>(input, k));
    OwnedClvColumns {
        frequency: opt("frequency").unwrap_or_default(),
        recency: opt("recency"),
        t: opt("T"),
        monetary_value: opt("monetary_value"),
        weights: opt("weights"),
    }
}

/// Checks that `expected` is contained in `actual` (see the README); returns the first difference.
fn compare(path: &str, expected: &Value, actual: &Value, tol: f64) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .ok_or_else(|| format!("{path}.{k}: missing in result"))?;
                compare(&format!("{path}.{k}"), ev, av, tol)?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: {} elements expected, {} found",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                compare(&format!("{path}[{i}]"), ev, av, tol)?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) => {
            let (ef, af) = (
                e.as_f64().unwrap_or(f64::NAN),
                a.as_f64().unwrap_or(f64::NAN),
            );
            let exact_ints = e.is_f64() || a.is_f64();
            let ok = if exact_ints {
                (ef - af).abs() <= tol
            } else {
                e == a
            };
            if ok {
                Ok(())
            } else {
                Err(format!("{path}: expected {e}, found {a} (tolerance {tol})"))
            }
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, found {a}")),
    }
}

#[test]
fn golden_vectors() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/golden");
    let only = std::env::var("GOLDEN_CASE").ok();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut ids = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("read golden file");
        let file: File =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            path.file_stem().and_then(|s| s.to_str()),
            Some(file.area.as_str()),
            "area must match the file name"
        );
        for case in &file.cases {
            let id = format!("{}/{}", file.area, case.name);
            assert!(ids.insert(id.clone()), "duplicate case id {id}");
            assert!(
                !case.source.trim().is_empty(),
                "{id}: every case says how it was derived"
            );
            if only.as_ref().is_some_and(|o| *o != id) {
                continue;
            }
            ran += 1;
            let outcome = run(case);
            let result = match (case.expected.get("ok"), case.expected.get("error"), outcome) {
                (Some(expected), None, Ok(actual)) => {
                    compare(&id, expected, &actual, case.tolerance)
                }
                (None, Some(kind), Err(e)) if kind == e.kind().name() => Ok(()),
                (_, _, Ok(actual)) => Err(format!(
                    "{id}: expected {}, got Ok({actual})",
                    case.expected
                )),
                (_, _, Err(e)) => Err(format!(
                    "{id}: expected {}, got error {} ({e})",
                    case.expected,
                    e.kind()
                )),
            };
            if let Err(msg) = result {
                failures.push(msg);
            }
        }
    }
    assert!(ran > 0, "no golden case ran (GOLDEN_CASE={only:?})");
    assert!(
        failures.is_empty(),
        "{} of {ran} golden cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{ran} golden cases passed");
}
